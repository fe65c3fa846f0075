import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateQuestions } from '../../src/pipeline/questions/generate.js';
import type { StudyMeta } from '../../src/pipeline/questions/schema.js';
import { assignSplits, seededSplit } from '../../src/pipeline/questions/split.js';
import { buildFrequencyDicts } from '../../src/pipeline/standardize/dictionaries.js';
import { DISEASES, attrs, ki, meta, params, rec } from './fixtures.js';

const ratios = { train: 0.8, validate: 0.1, test: 0.1 };

describe('splits', () => {
  it("metadata split is used; a subject whose studies disagree gets its earliest study's split, and is reported", () => {
    const metas = [
      meta('a', 'p1', { split: 'test', study_order: 2 }),
      meta('b', 'p1', { split: 'train', study_order: 1 }),
      meta('c', 'p2', { split: 'validate' }),
    ];
    const s = assignSplits(metas, { splitMode: 'metadata', seed: 0, splitRatios: ratios });
    expect(s.bySubject.get('p1')).toBe('train');
    expect(s.bySubject.get('p2')).toBe('validate');
    expect(s.conflicts).toEqual(['p1']);
  });

  it('missing metadata splits fall back to the seeded split by subject', () => {
    const s = assignSplits([meta('a', 'p9', { split: null })], { splitMode: 'metadata', seed: 3, splitRatios: ratios });
    expect(s.bySubject.get('p9')).toBe(seededSplit('p9', 3, ratios));
    expect(s.seeded).toBe(1);
  });

  it('seeded split: stable per subject and seed, close to the ratios', () => {
    const counts: Record<string, number> = { train: 0, validate: 0, test: 0 };
    for (let i = 0; i < 5000; i++) counts[seededSplit(`p${i}`, 0, ratios)]!++;
    expect(counts.train! / 5000).toBeGreaterThan(0.77);
    expect(counts.train! / 5000).toBeLessThan(0.83);
    expect(counts.test! / 5000).toBeGreaterThan(0.08);
    expect(seededSplit('p1', 0, ratios)).toBe(seededSplit('p1', 0, ratios));
    const differs = Array.from(
      { length: 50 },
      (_, i) => seededSplit(`p${i}`, 0, ratios) !== seededSplit(`p${i}`, 1, ratios),
    ).some(Boolean);
    expect(differs).toBe(true);
  });

  it('no subject ever appears in two splits of the dataset (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            subject: fc.integer({ min: 1, max: 6 }),
            split: fc.constantFrom('train', 'validate', 'test', null),
          }),
          { minLength: 1, maxLength: 30 },
        ),
        fc.constantFrom<'metadata' | 'seeded'>('metadata', 'seeded'),
        (rows, splitMode) => {
          const index = new Map<string, StudyMeta>();
          const records = rows.map((r, i) => {
            index.set(`s${i}`, meta(`s${i}`, `p${r.subject}`, { split: r.split, study_order: i }));
            return rec(`s${i}`, ki({ edema: attrs('left', 'mild') }));
          });
          const { pairs } = generateQuestions(
            records,
            index,
            buildFrequencyDicts(records.map((x) => x.keyinfo)),
            params({ splitMode, difference: true }),
            DISEASES,
          );
          const seen = new Map<string, string>();
          for (const p of pairs) {
            const prev = seen.get(p.subject_id);
            if (prev !== undefined) expect(p.split).toBe(prev);
            seen.set(p.subject_id, p.split);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
