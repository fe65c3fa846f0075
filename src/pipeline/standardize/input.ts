import { z } from 'zod';
import { USABLE_STATUSES } from '../schemas/extraction.js';
import { StrictKeyInfoSchema } from '../schemas/keyinfo.js';
import type { ExtractionResult } from '../schemas/extraction.js';

/** A row of the `followup` artifact as far as standardization needs it (the follow-up step owns the rest). */
export const FollowupInputSchema = z.looseObject({
  study_id: z.string(),
  keyinfo: z.unknown(),
  cycle: z.number().default(0),
});
export type FollowupInput = z.infer<typeof FollowupInputSchema>;

/** One row of the `standardized` artifact. */
export const StandardizedRowSchema = z.object({
  study_id: z.string(),
  keyinfo: StrictKeyInfoSchema,
  cycle: z.number(),
  source: z.enum(['raw', 'followup']),
});
export type StandardizedRow = z.infer<typeof StandardizedRowSchema>;

export type InputChoice =
  | { kind: 'use'; study_id: string; keyinfo: unknown; source: 'raw' | 'followup' }
  | { kind: 'skip'; study_id: string; reason: string };

/** Raw statuses that carry a usable KeyInfo; the others have none and must stay visible, not become empty records. */

/**
 * Which KeyInfo of a study is standardized: its latest follow-up result when
 * there is one (follow-up rewrites the record), else its extraction result if
 * extraction produced one, else the study is skipped with the reason.
 */
export function selectInput(
  study_id: string,
  raw: ExtractionResult | undefined,
  followup: FollowupInput | undefined,
): InputChoice {
  if (followup && followup.keyinfo !== null && followup.keyinfo !== undefined) {
    return { kind: 'use', study_id, keyinfo: followup.keyinfo, source: 'followup' };
  }
  if (!raw) return { kind: 'skip', study_id, reason: 'no extraction result' };
  if (!USABLE_STATUSES.has(raw.status)) return { kind: 'skip', study_id, reason: `raw status ${raw.status}` };
  if (raw.keyinfo === null || raw.keyinfo === undefined)
    return { kind: 'skip', study_id, reason: 'raw keyinfo missing' };
  return { kind: 'use', study_id, keyinfo: raw.keyinfo, source: 'raw' };
}

/** Keep the newest follow-up row per study: highest cycle, later line on a tie. */
export function latestFollowup(rows: Iterable<FollowupInput>): Map<string, FollowupInput> {
  const out = new Map<string, FollowupInput>();
  for (const r of rows) {
    const prev = out.get(r.study_id);
    if (!prev || r.cycle >= prev.cycle) out.set(r.study_id, r);
  }
  return out;
}
