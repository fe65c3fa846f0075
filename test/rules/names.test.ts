import { describe, expect, it } from 'vitest';
import { normalizeEntityName } from '../../src/pipeline/names/normalize.js';
import { keyInfoJsonSchema, StrictKeyInfoSchema } from '../../src/pipeline/schemas/keyinfo.js';
import { loadLibs } from '../../src/pipeline/rules/libs.js';
import { phrasePattern } from '../../src/pipeline/rules/matchers.js';

describe('normalizeEntityName', () => {
  it('maps surface variants to official names and plurals to singular', () => {
    expect(normalizeEntityName('Pleural Effusions')).toBe('pleural effusion');
    expect(normalizeEntityName('effusions')).toBe('pleural effusion');
    expect(normalizeEntityName('lung opacity')).toBe('opacity');
    expect(normalizeEntityName('Opacities')).toBe('opacity');
    expect(normalizeEntityName('enlarged cardiac silhouette')).toBe('cardiomegaly');
    expect(normalizeEntityName('enlargement of the cardiac silhouette')).toBe('cardiomegaly');
    expect(normalizeEntityName('  Rib   Fractures ')).toBe('fracture');
  });
  it('keeps unknown names in canonical form', () => {
    expect(normalizeEntityName('Peribronchial  Cuffing')).toBe('peribronchial cuffing');
    expect(normalizeEntityName('metastases')).toBe('metastasis');
  });
});

describe('libraries', () => {
  it('loads every bundled library and compiles the matchers', () => {
    const libs = loadLibs();
    expect(libs.diseases.length).toBeGreaterThan(40);
    expect(libs.diseases.filter((d) => d.origin === 'original').map((d) => d.official)).toContain('pleural effusion');
    expect(libs.postLocations).toContain('the left lung base');
    expect(libs.levels.has('moderate to severe')).toBe(true);
  });
  it('no disease variant is a bare "enlarged" (§12)', () => {
    const libs = loadLibs();
    expect(libs.diseases.flatMap((d) => d.variants)).not.toContain('enlarged');
  });
  it('compiles phrases with boundaries, optional hyphens and gaps', () => {
    const re = new RegExp(`^(?:${phrasePattern('plate-like atelectasis', true)})$`);
    expect(re.test('platelike atelectasis')).toBe(true);
    expect(re.test('plate like  atelectases')).toBe(false);
    const gap = new RegExp(`^(?:${phrasePattern('heart ... enlarged')})$`);
    expect(gap.test('heart is mildly enlarged')).toBe(true);
    expect(gap.test('heart size is normal and hila are enlarged')).toBe(false);
  });
});

describe('KeyInfo JSON schema export', () => {
  it('is generated from the zod schema and describes the strict form', () => {
    const schema = keyInfoJsonSchema() as {
      type: string;
      required: string[];
      properties: Record<string, { additionalProperties?: { required?: string[] }; type?: string }>;
    };
    expect(schema.type).toBe('object');
    expect(schema.required.sort()).toEqual(['entity', 'no_entity', 'opacity_vs_clear', 'uncertain_entity']);
    expect(schema.properties.entity!.additionalProperties!.required!.sort()).toEqual(['level', 'location', 'type']);
    expect(schema.properties.no_entity!.type).toBe('array');
    // The zod schema it came from accepts what the JSON schema describes.
    expect(
      StrictKeyInfoSchema.safeParse({
        opacity_vs_clear: {},
        entity: { a: { location: null, level: 'mild', type: null } },
        uncertain_entity: {},
        no_entity: ['b'],
      }).success,
    ).toBe(true);
  });
});
