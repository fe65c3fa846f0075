/** The review sample is drawn with the project's one seeded sampler (same seed, same reports everywhere). */
export { seededSample } from '../../pipeline/util/random.js';
import { z } from 'zod';
import type { RunState } from '../../pipeline/schemas/state.js';
import { defineStateSection, readSection } from '../../pipeline/store/sections.js';

const ReviewSessionSchema = z
  .object({
    seed: z.number(),
    n: z.number().optional(),
    // A stray non-string id is dropped, not a reason to lose the session.
    ids: z.array(z.unknown()).transform((ids) => ids.filter((x): x is string => typeof x === 'string')),
    cursor: z.number(),
    startedAt: z.string().catch('').default(''),
  })
  .transform((s) => ({ ...s, n: s.n ?? s.ids.length }));
export type ReviewSession = z.output<typeof ReviewSessionSchema>;

/** The review session, kept in the run state at `reviews.session`. */
export const REVIEW_SESSION = defineStateSection<ReviewSession>({ slot: 'reviews', key: 'session', schema: ReviewSessionSchema });

/** Read the review session kept in run state, ignoring anything malformed. */
export function readSession(state: Readonly<Pick<RunState, 'ui' | 'reviews'>>): ReviewSession | null {
  return readSection(state, REVIEW_SESSION);
}
