/** The review sample is drawn with the project's one seeded sampler (same seed, same reports everywhere). */
export { seededSample } from '../../pipeline/util/random.js';

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
