import { describe, expect, it } from 'vitest';
import { hash32, mulberry32, Rng, seededSample, seededShuffle } from '../../src/pipeline/util/random.js';

describe('the one seeded generator', () => {
  it('draws the same numbers as before it became the only one (gold sets and review samples keep their picks)', () => {
    const r = mulberry32(1234);
    expect([r(), r(), r()]).toEqual([0.07329497812315822, 0.7034119898453355, 0.9028560190927237]);
    const ids = Array.from({ length: 10 }, (_, i) => `s${i}`);
    expect(seededShuffle(ids, 7)).toEqual(['s0', 's1', 's9', 's7', 's3', 's4', 's5', 's6', 's2', 's8']);
    expect(seededSample(ids, 3, 7)).toEqual(['s0', 's1', 's9']);
  });

  it('Rng and mulberry32 are the same stream', () => {
    const a = new Rng(42);
    const b = mulberry32(42);
    for (let i = 0; i < 5; i++) expect(a.next()).toBe(b());
  });

  it('int, pick and shuffle stay in range and keep every item', () => {
    const rng = new Rng(5);
    for (let i = 0; i < 200; i++) {
      const n = rng.int(7);
      expect(n >= 0 && n < 7 && Number.isInteger(n)).toBe(true);
    }
    expect(['a', 'b', 'c']).toContain(rng.pick(['a', 'b', 'c']));
    expect(() => rng.pick([])).toThrow(/empty/);
    expect(rng.shuffle([1, 2, 3, 4, 5]).sort()).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('hash32', () => {
  it('is stable, separates its parts and spreads neighbouring inputs', () => {
    expect(hash32(0, 's1', 'view')).toBe(hash32(0, 's1', 'view'));
    expect(hash32('ab', 'c')).not.toBe(hash32('a', 'bc'));
    expect(hash32('abc')).not.toBe(hash32('ab', 'c'));
    const seeds = new Set(Array.from({ length: 1000 }, (_, i) => hash32(0, `s${i}`, 'view')));
    expect(seeds.size).toBe(1000);
    for (const h of seeds) expect(h >>> 0).toBe(h);
  });
});
