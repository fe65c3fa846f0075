/** A small seeded PRNG (mulberry32): the same seed gives the same review sample on every machine. */
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

/** N ids drawn without replacement, in draw order (partial Fisher–Yates). */
export function seededSample(ids: readonly string[], n: number, seed: number): string[] {
  const a = [...ids];
  const rand = mulberry32(seed);
  const k = Math.min(n, a.length);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (a.length - i));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, k);
}

export interface ReviewSession {
  seed: number;
  n: number;
  ids: string[];
  cursor: number;
  startedAt: string;
}

/** Read the review session kept in run state (`reviews.session`), ignoring anything malformed. */
export function readSession(reviews: Record<string, unknown>): ReviewSession | null {
  const s = reviews.session as Partial<ReviewSession> | undefined;
  if (!s || !Array.isArray(s.ids) || typeof s.cursor !== 'number' || typeof s.seed !== 'number') return null;
  return { seed: s.seed, n: s.n ?? s.ids.length, ids: s.ids.filter((x): x is string => typeof x === 'string'), cursor: s.cursor, startedAt: s.startedAt ?? '' };
}
