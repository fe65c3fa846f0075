/**
 * Small seeded randomness for reproducible selections (gold set, review samples,
 * benchmarks): the same seed picks the same items on every machine.
 * Question generation has its own generator (questions/rng.ts) whose consumption
 * order is part of the dataset's determinism contract.
 */

/** mulberry32: small, fast, good enough for reproducible shuffles. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A full Fisher–Yates shuffle of a copy. */
export function seededShuffle<T>(items: readonly T[], seed: number): T[] {
  return seededSample(items, items.length, seed);
}

/** n items drawn without replacement, in draw order (partial Fisher–Yates). */
export function seededSample<T>(items: readonly T[], n: number, seed: number): T[] {
  const a = items.slice();
  const rand = mulberry32(seed);
  const k = Math.min(n, a.length);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (a.length - i));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, k);
}
