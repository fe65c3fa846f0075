import { z } from 'zod';

/**
 * Outcome of extracting one report; a parse failure is never recorded as "no findings".
 * `truncated`: the reply was cut off (finish_reason length, or JSON that never closes); its
 * text is kept and nothing of it is data. `runaway`: the model spun on whitespace and was stopped.
 * Only `ok` and `repaired` rows carry KeyInfo.
 */
export const ExtractionStatusSchema = z.enum([
  'ok',
  'repaired',
  'parse_error',
  'truncated',
  'runaway',
  'filtered',
  'failed',
]);
export type ExtractionStatus = z.infer<typeof ExtractionStatusSchema>;
/** A zero count for every status, so views list the ones that did not occur too. */
export function zeroStatusCounts(): Record<ExtractionStatus, number> {
  return Object.fromEntries(ExtractionStatusSchema.options.map((s) => [s, 0])) as Record<ExtractionStatus, number>;
}

/** The statuses whose KeyInfo is data. */
export const USABLE_STATUSES: ReadonlySet<ExtractionStatus> = new Set(['ok', 'repaired']);

export const UsageSchema = z.object({
  prompt_tokens: z.number().default(0),
  completion_tokens: z.number().default(0),
});

/** One row of the `raw` artifact (and of `gold`). */
export const ExtractionResultSchema = z.object({
  study_id: z.string(),
  status: ExtractionStatusSchema,
  /** Parsed KeyInfo (raw form, any shape the model returned) or null when nothing parsed. */
  keyinfo: z.unknown().nullable().default(null),
  raw_text: z.string().optional(),
  reason: z.string().optional(),
  backend: z.enum(['rules', 'llm']),
  model: z.string().optional(),
  /** Cache key of the request (LLM backend), to trace a record to its response. */
  request_key: z.string().optional(),
  usage: UsageSchema.optional(),
  at: z.string().optional(),
});
export type ExtractionResult = z.infer<typeof ExtractionResultSchema>;
