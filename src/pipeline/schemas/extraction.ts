import { z } from 'zod';

/** Outcome of extracting one report; a parse failure is never recorded as "no findings". */
export const ExtractionStatusSchema = z.enum(['ok', 'repaired', 'parse_error', 'filtered', 'failed']);
export type ExtractionStatus = z.infer<typeof ExtractionStatusSchema>;

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
