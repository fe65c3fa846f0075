import { describe, expect, it } from 'vitest';
import { buildContext, type RejectedTerms, type StandardizeContext } from '../../src/pipeline/standardize/context.js';
import { standardizeRecord } from '../../src/pipeline/standardize/record.js';

const A = (location: string | null = null, level: string | null = null, type: string | null = null) => ({
  location,
  level,
  type,
});

function ctxOf(
  rejected: Partial<RejectedTerms> | null = null,
  extra: { entity?: [string, number][]; level?: [string, number][]; type?: [string, number][] } = {},
): StandardizeContext {
  return buildContext(
    {
      entity: [
        ['effusion', 900],
        ['pleural effusion', 800],
        ['atelectasis', 700],
        ['pneumonia', 600],
        ['opacity', 500],
        ['edema', 400],
        ['pneumothorax', 300],
        ['consolidation', 200],
        ['cardiomegaly', 100],
        ['nodules', 50],
        ['heart size', 20],
        ...(extra.entity ?? []),
      ],
      location: [
        ['left', 500],
        ['right', 400],
        ['bibasilar', 100],
        ['retrocardiac', 50],
      ],
      level: [['small', 500], ['moderate', 400], ['mild', 300], ['low', 20], ...(extra.level ?? [])],
      type: [['layering', 300], ['patchy', 200], ['subcutaneous', 50], ...(extra.type ?? [])],
    },
    {
      highThreshold: 100,
      rejected: rejected
        ? { entity: new Set(), location: new Set(), level: new Set(), type: new Set(), ...rejected }
        : null,
    },
  );
}
const ctx = ctxOf();
const std = (raw: unknown, c = ctx) => standardizeRecord(raw, c).keyinfo;

describe('§9.1 shape repair', () => {
  it('missing or null categories become empty', () => {
    expect(std({ entity: null })).toEqual({ opacity_vs_clear: {}, entity: {}, uncertain_entity: {}, no_entity: [] });
  });
  it('a string category becomes one entity with empty attributes', () => {
    expect(std({ entity: 'pneumothorax' }).entity).toEqual({ pneumothorax: A() });
  });
  it('a list category becomes a dict of names; dict items use description, else type', () => {
    const k = std({
      uncertain_entity: ['edema', { description: 'pneumonia', location: 'left' }, { type: 'atelectasis' }],
    });
    expect(k.uncertain_entity).toEqual({ edema: A(), pneumonia: A('left'), atelectasis: A() });
  });
  it('a name whose value is a list of dicts collects their locations, levels and types', () => {
    const k = std({
      entity: {
        effusion: [
          { location: 'left', level: 'small' },
          { location: 'right', level: 'moderate', type: 'layering' },
        ],
      },
    });
    expect(k.entity.effusion).toEqual(A('left, right', 'small, moderate', 'layering'));
  });
  it('a list of words as a value is sorted into location/level/type by dictionary membership (unknown → location)', () => {
    expect(std({ entity: { effusion: ['left', 'small', 'layering', 'apical'] } }).entity.effusion).toEqual(
      A('left, apical', 'small', 'layering'),
    );
  });
  it('{description, location, level, type} at the category level is one entity', () => {
    expect(std({ entity: { description: 'effusion', location: 'left', level: 'small', type: null } }).entity).toEqual({
      effusion: A('left', 'small'),
    });
  });
  it('only opacity and clear survive in opacity_vs_clear', () => {
    const k = std({
      opacity_vs_clear: { opacity: { location: 'left' }, clear: { location: 'right' }, haziness: { location: 'x' } },
    });
    expect(k.opacity_vs_clear).toEqual({ opacity: A('left'), clear: A('right') });
  });
  it('keys named right lung/left lung/location/level/type are dropped', () => {
    const k = std({
      entity: { 'right lung': {}, 'Left Lung': {}, location: 'left', level: 'small', type: 'x', edema: {} },
    });
    expect(k.entity).toEqual({ edema: A() });
  });
  it('other non-dict values give empty attributes', () => {
    expect(std({ entity: { edema: true, pneumonia: 3, atelectasis: null } }).entity).toEqual({
      edema: A(),
      pneumonia: A(),
      atelectasis: A(),
    });
  });
  it('nested entities move up a level, merging with an existing entity of that name', () => {
    const k = std({
      entity: { effusion: { location: 'left', atelectasis: { location: 'right' } }, atelectasis: { level: 'mild' } },
    });
    expect(k.entity).toEqual({ effusion: A('left'), atelectasis: A('right', 'mild') });
  });
  it('"k: v, k2: v2" strings become dicts', () => {
    expect(std({ entity: { effusion: 'location: left, level: small' } }).entity.effusion).toEqual(A('left', 'small'));
    expect(std({ entity: { effusion: { location: 'left: small, bibasilar: patchy' } } }).entity.effusion).toEqual(
      A('left, bibasilar', 'small', 'patchy'),
    );
  });
  it('a location dict is flattened; high-frequency level/type values move out; inner level/type move up', () => {
    expect(
      std({ entity: { effusion: { location: { left: 'small', right: 'layering', bibasilar: null } } } }).entity
        .effusion,
    ).toEqual(A('left, right, bibasilar', 'small', 'layering'));
    expect(
      std({ entity: { effusion: { location: { left: { level: 'moderate', type: 'layering' }, number: 2 } } } }).entity
        .effusion,
    ).toEqual(A('left', 'moderate', 'layering'));
  });
  it('lists become comma-joined strings, numbers strings, "" null', () => {
    expect(std({ entity: { nodule: { location: ['left', 'right'], level: 3, type: '' } } }).entity.nodule).toEqual(
      A('left, right', '3', null),
    );
  });
  it('no_entity: null → [], string → split on commas, dict → non-attribute keys', () => {
    expect(std({ no_entity: null }).no_entity).toEqual([]);
    expect(std({ no_entity: 'pneumothorax, edema' }).no_entity).toEqual(['pneumothorax', 'edema']);
    expect(std({ no_entity: { pneumothorax: null, edema: 1, location: 'x' } }).no_entity).toEqual([
      'pneumothorax',
      'edema',
    ]);
  });
});

describe('§9.3 name mapping', () => {
  it('plural → singular, on word boundaries', () => {
    expect(Object.keys(std({ entity: { 'pleural effusions': {}, nodules: {} } }).entity)).toEqual([
      'pleural effusion',
      'nodule',
    ]);
  });
  it('removes modifiers only when the rest is a known entity, including "new" and "enlarging" (§12)', () => {
    const k = std({
      entity: { 'new pneumothorax': {}, 'enlarging effusion': {}, 'new widget': {}, 'increased opacity': {} },
    });
    expect(Object.keys(k.entity)).toEqual(['pneumothorax', 'effusion', 'new widget', 'opacity']);
  });
  it('"X-sided Y" → Y with location X-sided', () => {
    expect(std({ entity: { 'left-sided pleural effusion': { location: 'base' } } }).entity).toEqual({
      'pleural effusion': A('left-sided, base'),
    });
  });
  it('"Y in the Z" / "Y on the Z" → Y with location Z, dropping "focus"', () => {
    expect(std({ entity: { 'opacity focus in the retrocardiac region': {} } }).entity).toEqual({
      opacity: A('retrocardiac region'),
    });
    expect(std({ entity: { 'nodule on the chest wall': {} } }).entity).toEqual({ nodule: A('chest wall') });
  });
  it('"in" inside a word is not a preposition, "left" inside "cleft" is not a location (§12)', () => {
    expect(Object.keys(std({ entity: { 'minimal thickening': {}, 'cleft lip': {} } }).entity)).toEqual([
      'minimal thickening',
      'cleft lip',
    ]);
  });
  it('a modifier inside a word is not a modifier ("renewed"), and "in the" inside a word is not a preposition', () => {
    expect(Object.keys(std({ entity: { 'renewed opacity': {}, 'margin then effusion': {} } }).entity)).toEqual([
      'renewed opacity',
      'margin then effusion',
    ]);
  });
  it('location words inside a name move to location (more than one)', () => {
    expect(std({ entity: { 'bilateral lower lobe atelectasis': {} } }).entity).toEqual({
      atelectasis: A('bilateral lower lobe'),
    });
    expect(std({ entity: { 'right lower lobe pneumonia': { location: 'posterior' } } }).entity).toEqual({
      pneumonia: A('right lower lobe, posterior'),
    });
  });
  it('level words move to level, type words are appended to type', () => {
    expect(std({ entity: { 'small pneumothorax': {} } }).entity).toEqual({ pneumothorax: A(null, 'small') });
    expect(std({ entity: { 'acute focal consolidation': { type: 'patchy' } } }).entity).toEqual({
      consolidation: A(null, null, 'patchy acute focal'),
    });
    expect(std({ entity: { 'tension pneumothorax': {} } }).entity).toEqual({ pneumothorax: A(null, null, 'tension') });
  });
  it('severity and kind words beyond §9 move out of a name only when a known entity remains', () => {
    expect(
      std({ entity: { 'mild edema': {}, 'moderate cardiomegaly': {}, 'mild pulmonary fibrosis': {} } }).entity,
    ).toEqual({
      edema: A(null, 'mild'),
      cardiomegaly: A(null, 'moderate'),
      // "pulmonary fibrosis" is not a known entity in this dictionary: the name stays whole.
      'mild pulmonary fibrosis': A(),
    });
    expect(std({ entity: { 'patchy opacity': {} } }).entity).toEqual({ opacity: A(null, null, 'patchy') });
    // "interstitial lung disease" is unknown here without "interstitial": it stays whole.
    expect(std({ entity: { 'interstitial lung disease': {} } }).entity).toEqual({ 'interstitial lung disease': A() });
  });
  it('an official library name keeps its words (acute respiratory distress syndrome is not "respiratory distress syndrome" of type acute)', () => {
    const c = buildContext(
      { entity: [['acute respiratory distress syndrome', 5]], location: [], level: [], type: [] },
      { highThreshold: 100, protectedNames: ['acute respiratory distress syndrome'] },
    );
    expect(std({ entity: { 'acute respiratory distress syndrome': { level: null } } }, c).entity).toEqual({
      'acute respiratory distress syndrome': A(),
    });
    // Unprotected, the §9 type-word rule applies.
    expect(std({ entity: { 'acute respiratory distress syndrome': {} } }).entity).toEqual({
      'respiratory distress syndrome': A(null, null, 'acute'),
    });
  });
  it('a no_entity item that is only a location word is removed; others are mapped', () => {
    expect(
      std({ no_entity: ['left', 'right lower lobe', 'large pleural effusions', 'pneumothorax'] }).no_entity,
    ).toEqual(['pleural effusion', 'pneumothorax']);
  });
  it('names that map to the same entity merge their attributes', () => {
    expect(std({ entity: { 'left effusion': { level: 'small' }, 'right effusion': {} } }).entity).toEqual({
      effusion: A('left, right', 'small'),
    });
  });
  it('words around "opacity" in opacity_vs_clear are kept as attributes', () => {
    expect(std({ opacity_vs_clear: { 'left patchy opacities': {} } }).opacity_vs_clear).toEqual({
      opacity: A('left', null, 'patchy'),
    });
  });
});

describe('§9.4 special findings', () => {
  it('volume loss / atelectasis with low level or type → low lung volume', () => {
    expect(std({ entity: { atelectasis: { level: 'low' }, 'volume loss': { type: 'low' } } }).entity).toEqual({
      'low lung volume': A(null, 'low', 'low'),
    });
  });
  it('edema mucosal → mucosal edema; emphysema subcutaneous → subcutaneous emphysema; effusion pericardial → pericardial effusion', () => {
    const k = std({
      entity: { edema: { type: 'mucous' }, emphysema: { type: 'subcutaneous' }, effusion: { type: 'pericardial' } },
    });
    expect(Object.keys(k.entity)).toEqual(['mucosal edema', 'subcutaneous emphysema', 'pericardial effusion']);
  });
  it('focal consolidation concerning for pneumonia → consolidation + pneumonia', () => {
    expect(
      Object.keys(std({ entity: { 'focal consolidation concerning for pneumonia': { location: 'left' } } }).entity),
    ).toEqual(['consolidation', 'pneumonia']);
  });
  it('focal parenchymal opacity suggesting pneumonia → opacity in opacity_vs_clear + pneumonia, without crashing (§12)', () => {
    const k = std({ uncertain_entity: { 'focal parenchymal opacity suggesting pneumonia': { location: 'right' } } });
    expect(k.opacity_vs_clear.opacity).toEqual(A('right', null, 'focal'));
    expect(Object.keys(k.uncertain_entity)).toEqual(['pneumonia']);
  });
  it('drops pulmonary arteries, pacemaker and devices; hilar congestion → vascular congestion of type hilar; cardiomegaly has no location', () => {
    const k = std({
      entity: {
        'pulmonary arteries': {},
        pacemaker: {},
        'picc catheter': {},
        'central venous catheters': {},
        'surgical hardware': {},
        'vp shunt': {},
        'hilar congestion': {},
        cardiomegaly: { location: 'left' },
      },
    });
    expect(k.entity).toEqual({ 'vascular congestion': A(null, null, 'hilar'), cardiomegaly: A() });
  });
});

describe('§9.5 term filtering with reviewed lists', () => {
  it('deletes rejected entity names (and their plural forms)', () => {
    const c = ctxOf({ entity: new Set(['nodules']) });
    expect(Object.keys(std({ entity: { nodule: {}, edema: {} } }, c).entity)).toEqual(['edema']);
  });
  it('a rejected location word moves to level or type: by which list rejects it, then by frequency', () => {
    const c = ctxOf({
      location: new Set(['moderate', 'patchy', 'small']),
      type: new Set(['moderate']),
      level: new Set(['patchy']),
    });
    expect(std({ entity: { edema: { location: 'moderate' } } }, c).entity.edema).toEqual(A(null, 'moderate'));
    expect(std({ entity: { edema: { location: 'patchy' } } }, c).entity.edema).toEqual(A(null, null, 'patchy'));
    expect(std({ entity: { edema: { location: 'small' } } }, c).entity.edema).toEqual(A(null, 'small'));
  });
  it('a rejected level word moves to type; a rejected type word moves to level when more frequent as a level than as an entity, else is cleared', () => {
    const c = ctxOf(
      { level: new Set(['layering']), type: new Set(['mild', 'pneumonia']) },
      { entity: [['mild', 1]], type: [['mild', 5]] },
    );
    expect(std({ entity: { effusion: { level: 'layering' } } }, c).entity.effusion).toEqual(A(null, null, 'layering'));
    expect(std({ entity: { effusion: { type: 'mild' } } }, c).entity.effusion).toEqual(A(null, 'mild'));
    expect(std({ entity: { effusion: { type: 'pneumonia' } } }, c).entity.effusion).toEqual(A());
  });
});

describe('change log', () => {
  it('records renames, moved attributes, dropped terms and shape repairs with the rule', () => {
    const { changes } = standardizeRecord(
      { entity: { 'left-sided pleural effusions': 'small', pacemaker: {} }, no_entity: 'left' },
      ctx,
    );
    const kinds = new Set(changes.map((c) => c.kind));
    expect(kinds).toEqual(new Set(['shape_repair', 'renamed', 'moved_attribute', 'dropped_term']));
    const rename = changes.find((c) => c.kind === 'renamed' && c.path.startsWith('entity.'))!;
    expect(rename).toMatchObject({ before: 'left-sided pleural effusions', after: 'pleural effusion' });
    expect(rename.rule).toContain('sided prefix');
    expect(changes.find((c) => c.kind === 'dropped_term' && c.path === 'entity.pacemaker')).toBeTruthy();
  });
  it('a record already standard has an empty change log', () => {
    expect(
      standardizeRecord(
        { opacity_vs_clear: {}, entity: { effusion: A('left') }, uncertain_entity: {}, no_entity: ['pneumothorax'] },
        ctx,
      ).changes,
    ).toEqual([]);
  });
});
