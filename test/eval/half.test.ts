import { describe, expect, it } from 'vitest';
import { halfOf, keepHalf } from '../../src/pipeline/eval/half.js';

describe('fixed halves of a labelled set', () => {
  it('puts a study in a half by its id alone (sha256 first byte even = A)', () => {
    // Reproducible by hand: sha256("8")[0] = 0x2c (even), sha256("2")[0] = 0xd4 (even), sha256("1")[0] = 0x6b (odd).
    expect(halfOf('8')).toBe('A');
    expect(halfOf('1')).toBe('B');
    expect(halfOf('s50414267')).toBe(halfOf('50414267'));
    expect(halfOf(' 8 ')).toBe('A');
  });

  it('splits a set into two disjoint halves of similar size', () => {
    const docs = new Map(Array.from({ length: 400 }, (_, i) => [String(i + 1), i] as const));
    const a = keepHalf(docs, 'A');
    const b = keepHalf(docs, 'B');
    expect(a.size + b.size).toBe(400);
    expect([...a.keys()].some((k) => b.has(k))).toBe(false);
    expect(a.size).toBeGreaterThan(150);
    expect(b.size).toBeGreaterThan(150);
  });
});
