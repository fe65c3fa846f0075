import { describe, expect, it } from 'vitest';
import { extractReference } from '../../src/pipeline/rules/extract.js';
import { libsFor } from '../../src/pipeline/rules/libs.js';
import { referenceToKeyInfo } from '../../src/pipeline/rules/toKeyInfo.js';
import type { Style } from '../../src/pipeline/schemas/style.js';

// Sentences in, findings out, in both styles (docs/differences.md Part 1).
const run = (text: string, style: Style) =>
  extractReference({ study_id: '1', subject_id: '9', text }, libsFor(style), { likely: 'uncertain', style });
const keyinfo = (text: string, style: Style) => referenceToKeyInfo(run(text, style), style);

describe('rules by style', () => {
  it('two mentions with as many attributes: improved keeps the first, release the later', () => {
    const text = 'FINDINGS: Small pleural effusion. Moderate pleural effusion.';
    expect(keyinfo(text, 'improved').entity['pleural effusion']?.level).toBe('small');
    expect(keyinfo(text, 'release').entity['pleural effusion']?.level).toBe('moderate');
  });

  it('a mention with more attributes wins in both styles', () => {
    const text = 'FINDINGS: Small left pleural effusion. Moderate pleural effusion.';
    for (const style of ['improved', 'release'] as const) {
      expect(keyinfo(text, style).entity['pleural effusion']).toMatchObject({ level: 'small', location: 'left' });
    }
  });

  it('"bullous emphysema" is also a cyst finding in improved, emphysema only in release', () => {
    const text = 'FINDINGS: There is bullous emphysema in the upper lobes.';
    expect(Object.keys(run(text, 'improved').entity).sort()).toEqual(['cyst', 'emphysema']);
    expect(Object.keys(run(text, 'release').entity)).toEqual(['emphysema']);
    // A bulla named as such is still a cyst finding in release.
    expect(Object.keys(run('FINDINGS: Large left apical bulla.', 'release').entity)).toEqual(['cyst']);
  });

  it('the parts of an attribute are joined with ", " in improved and "," in release', () => {
    const text = 'FINDINGS: Mild left basal atelectasis. Minimal right atelectasis at the base.';
    expect(keyinfo(text, 'improved').entity['atelectasis']).toMatchObject({
      location: 'left basal, right',
      level: 'mild, minimal',
    });
    expect(keyinfo(text, 'release').entity['atelectasis']).toMatchObject({
      location: 'left basal,right',
      level: 'mild,minimal',
    });
  });

  it('the default style is improved', () => {
    const text = 'FINDINGS: Small pleural effusion. Moderate pleural effusion.';
    const r = extractReference({ study_id: '1', text }, libsFor('improved'));
    expect(referenceToKeyInfo(r).entity['pleural effusion']?.level).toBe('small');
  });
});
