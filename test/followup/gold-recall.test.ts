import { describe, expect, it } from 'vitest';
import { runGoldScenario } from './gold-scenario.js';

describe('one follow-up cycle on the bundled gold set (scripted model)', () => {
  it.each(['bench', 'another seed'])(
    'raises positive and negative recall by what the script put back, without losing precision (seed %s)',
    async (seed) => {
      const r = await runGoldScenario({ removeRate: 0.35, answerRate: 0.8, seed });
      console.log(JSON.stringify(r));
      expect(r.studies).toBe(99);
      expect(r.removed.positive).toBeGreaterThan(10);
      expect(r.removed.negative).toBeGreaterThan(10);
      // Each finding the script put back is one more true positive: recall rises by exactly added/total.
      expect(r.after.positive).toBeCloseTo(r.before.positive + r.added.positive / r.total.positive, 10);
      expect(r.after.negative).toBeCloseTo(r.before.negative + r.added.negative / r.total.negative, 10);
      expect(r.added.positive).toBeGreaterThan(0.6 * r.removed.positive);
      expect(r.added.negative).toBeGreaterThan(0.6 * r.removed.negative);
      // The script adds only true findings: precision stays at 100%.
      expect([
        r.before.precisionPositive,
        r.before.precisionNegative,
        r.after.precisionPositive,
        r.after.precisionNegative,
      ]).toEqual([1, 1, 1, 1]);
    },
    60_000,
  );

  it('changes nothing when the script never answers', async () => {
    const r = await runGoldScenario({ removeRate: 0.35, answerRate: 0, seed: 'bench' });
    expect(r.asked).toBeGreaterThan(0);
    expect(r.added).toEqual({ positive: 0, negative: 0 });
    expect(r.after).toEqual(r.before);
  }, 60_000);
});

describe('one follow-up cycle with the rule-based reference', () => {
  it('puts back what the rules find, and only true findings', async () => {
    const r = await runGoldScenario({ removeRate: 0.35, answerRate: 1, seed: 'bench', reference: 'rules' });
    console.log(JSON.stringify(r));
    expect(r.added.positive + r.added.negative).toBeGreaterThan(0);
    expect(r.after.positive).toBeCloseTo(r.before.positive + r.added.positive / r.total.positive, 10);
    expect(r.after.negative).toBeCloseTo(r.before.negative + r.added.negative / r.total.negative, 10);
    expect([r.after.precisionPositive, r.after.precisionNegative]).toEqual([1, 1]);
  }, 60_000);
});
