import { z } from 'zod';
import { ExchangeFieldsSchema } from '../schemas/extraction.js';

/**
 * Artifacts of the follow-up step (docs/method.md §8).
 *
 * `followup`: one row per study and cycle in which the study had questions:
 * the record after every answer of that cycle was applied. Standardization reads `{study_id, keyinfo, cycle}`
 * of the newest row per study; the rest is for people and the cycle table.
 *
 * `followup-log`: one row per question considered, appended the moment its
 * answer is applied (or found unusable), so a resume never asks it again and
 * any change can be traced and undone from `before` / `after`.
 */

export const FollowupRowSchema = z.object({
  study_id: z.string(),
  cycle: z.number().int(),
  /** The four keys after this cycle's answers; strict when no answer changed it, else the model's JSON as applied. */
  keyinfo: z.unknown(),
  asked: z.number().int(),
  applied: z.number().int(),
  parse_failures: z.number().int(),
  /** Replies cut off or leaving out keys the record has: the record was kept. */
  truncated: z.number().int().default(0),
  filtered: z.number().int().default(0),
  dropped: z.number().int().default(0),
  failed: z.number().int().default(0),
});
export type FollowupRow = z.infer<typeof FollowupRowSchema>;

export const PolaritySchema = z.enum(['positive', 'negative']);
export type Polarity = z.infer<typeof PolaritySchema>;

/**
 * `truncated`: cut off or leaving out keys the record has; `filtered`: the content filter;
 * `runaway`: the model spun on whitespace. In all three the record is kept as it was.
 */
export const LogStatusSchema = z.enum([
  'applied',
  'unchanged',
  'parse_error',
  'truncated',
  'filtered',
  'runaway',
  'failed',
  'dropped',
]);
export type LogStatus = z.infer<typeof LogStatusSchema>;

export const FollowupLogRowSchema = z.object({
  study_id: z.string(),
  cycle: z.number().int(),
  /** Position of the question in the study's plan for this cycle (0-based). */
  seq: z.number().int(),
  polarity: PolaritySchema,
  /** The reference finding name as asked (after §8 normalization). */
  entity: z.string(),
  question: z.string(),
  /** The record before and after this answer (the four keys); equal unless status is `applied`. */
  before: z.unknown(),
  after: z.unknown(),
  status: LogStatusSchema,
  reply_text: z.string().optional(),
  reason: z.string().optional(),
  /** The request behind the answer (absent for dropped questions and in older runs). */
  ...ExchangeFieldsSchema.shape,
});
export type FollowupLogRow = z.infer<typeof FollowupLogRowSchema>;
