import { describe, expect, it } from 'vitest';
import { parseViews, ViewTally } from '../../src/pipeline/ingest/views.js';

// Shapes of view descriptions found in radiology exports (the examples and their kin).
const TABLE: Array<[string | null, string | null, string[]]> = [
  ['Xray Chest PA and Lateral', 'PA', ['PA', 'LATERAL']],
  ['PA and lateral', 'PA', ['PA', 'LATERAL']],
  ['AP portable upright', 'AP', ['AP']],
  ['2 VIEW CHEST', 'FRONTAL', ['LATERAL']],
  ['PA and lateral chest x-XXXX XXXX', 'PA', ['PA', 'LATERAL']],
  ['CHEST 2V FRONTAL/LATERAL', 'FRONTAL', ['LATERAL']],
  ['Frontal', 'FRONTAL', []],
  ['portable', 'AP', ['AP']],
  ['PA', 'PA', ['PA']],
  ['AP', 'AP', ['AP']],
  ['LATERAL', 'LATERAL', ['LATERAL']],
  ['LL', 'LATERAL', ['LATERAL']],
  ['p.a. and lat view chest', 'PA', ['PA', 'LATERAL']],
  ['Chest, two (2) views', 'FRONTAL', ['LATERAL']],
  ['two-view chest', 'FRONTAL', ['LATERAL']],
  ['Chest radiographs, 2 images.', 'FRONTAL', ['LATERAL']],
  ['chest x-XXXX XXXX and lateral views', 'FRONTAL', ['LATERAL']],
  ['Chest, 2 views, supine and crosstable lateral', 'AP', ['AP', 'LATERAL']],
  ['posteroanterior chest', 'PA', ['PA']],
  ['anteroposterior chest', 'AP', ['AP']],
  ['Two-view chest (AP/PA and lateral)', 'FRONTAL', ['PA', 'AP', 'LATERAL']],
  ['pelvis with bilateral hips, ap femur with pa and lateral chest', 'FRONTAL', ['PA', 'AP', 'LATERAL']],
  ['a lateral chest x-XXXX', 'LATERAL', ['LATERAL']],
  ['chest single view', 'FRONTAL', []],
  // "bilateral" is no lateral view, "map"/"papilla" no AP/PA: words, not substrings.
  ['bilateral hips', null, []],
  ['papilla map', null, []],
  ['Adequate.', null, []],
  ['Chest x-XXXX', null, []],
  ['', null, []],
  [null, null, []],
];

describe('parseViews', () => {
  it.each(TABLE)('%j → %s %j', (raw, view, projections) => {
    const parsed = parseViews(raw);
    expect(parsed.view).toBe(view);
    expect(parsed.projections).toEqual(projections);
  });

  it('marks a frontal film whenever the view is PA, AP or FRONTAL', () => {
    for (const [raw, view] of TABLE)
      expect(parseViews(raw).frontal, String(raw)).toBe(view === 'PA' || view === 'AP' || view === 'FRONTAL');
  });
});

describe('ViewTally', () => {
  it('counts parsed views and names the most frequent unreadable values with their counts', () => {
    const t = new ViewTally();
    const add = (raw: string | null, n = 1) => {
      for (let i = 0; i < n; i++) t.add(raw, parseViews(raw).view);
    };
    add('PA and lateral', 3);
    add('portable');
    add('2 VIEW CHEST');
    add('Adequate.', 2);
    add('see report');
    add(null);
    expect(t.counts).toEqual({ PA: 3, AP: 1, FRONTAL: 1, LATERAL: 0, unreadable: 3, missing: 1 });
    expect(t.describe()).toBe('PA 3, AP 1, FRONTAL 1, unreadable 3, missing 1');
    expect(t.unreadableWarning()).toBe(
      '3 view values name no PA, AP, frontal or lateral view ("Adequate." ×2, "see report" ×1); those studies have no known view',
    );
    expect(t.unreadableWarning(1)).toContain('and 1 other values');
  });

  it('says nothing when every view was read', () => {
    const t = new ViewTally();
    t.add('PA', 'PA');
    expect(t.unreadableWarning()).toBeNull();
  });
});
