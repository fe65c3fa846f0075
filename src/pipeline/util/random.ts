/**
 * The project's one seeded pseudo-random generator, so the same seed picks the
 * same items on every machine: question generation, the gold set, review
 * samples and benchmarks all draw from `Rng`. Math.random is never used for
 * anything that ends up in an output.
 */

/**
 * mulberry32: one 32-bit word of state, fast to create. Question generation
 * creates one per (study, question type), so creation cost matters more than
 * period; seeds come from `hash32`, never from neighbouring integers that
 * would give correlated streams.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). Every other draw goes through this one (test doubles override it). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)]!;
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
}

/** `Rng` as a bare function, for callers that only need uniform numbers. */
export function mulberry32(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.next();
}

/**
 * A 32-bit seed from several parts (FNV-1a over the parts joined by NUL, then
 * the murmur3 finalizer so similar inputs give unrelated seeds). Not
 * cryptographic: it only has to be stable and spread well.
 */
export function hash32(...parts: ReadonlyArray<string | number>): number {
  let h = 0x811c9dc5;
  parts.forEach((part, k) => {
    // The separator keeps ("ab", "c") and ("a", "bc") apart.
    if (k > 0) h = Math.imul(h, 0x01000193);
    const s = String(part);
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  });
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A full Fisher–Yates shuffle of a copy. */
export function seededShuffle<T>(items: readonly T[], seed: number): T[] {
  return seededSample(items, items.length, seed);
}

/** n items drawn without replacement, in draw order (partial Fisher–Yates). */
export function seededSample<T>(items: readonly T[], n: number, seed: number): T[] {
  const a = items.slice();
  const rng = new Rng(seed);
  const k = Math.min(n, a.length);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng.next() * (a.length - i));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, k);
}
