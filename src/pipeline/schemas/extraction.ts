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

/**
 * How one LLM request went, kept beside its result so a reply can be inspected later.
 * All optional: rows written before these existed read as "unknown". The messages are
 * not kept (they hold the report text); they are rebuilt from the prompt files and the
 * records, and `request_key` checks the rebuild.
 */
export const ExchangeFieldsSchema = z.object({
  /** Cache key of the request: sha256 of model, messages, decoding and schema. */
  request_key: z.string().optional(),
  usage: UsageSchema.optional(),
  /** Time the answering attempt took, from sending to the whole reply (earlier attempts not counted); 0 for a cache hit. */
  latency_ms: z.number().optional(),
  /** Label of the endpoint that answered (never a key). */
  endpoint: z.string().optional(),
  /** The answer came from the run's response cache. */
  cached: z.boolean().optional(),
  /** HTTP attempts the scheduler made (0 for a cache hit). */
  attempts: z.number().int().optional(),
});
export type ExchangeFields = z.infer<typeof ExchangeFieldsSchema>;

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
  at: z.string().optional(),
  /** `rerun`: kept from the inspector's re-run; absent for the extract step's rows. */
  via: z.enum(['rerun']).optional(),
  ...ExchangeFieldsSchema.shape,
});
export type ExtractionResult = z.infer<typeof ExtractionResultSchema>;
