import { z } from 'zod';
import { StepEngineSchema } from './engine.js';
import { StyleSchema } from './style.js';

/** Run state (state.json). Small by design: bulk data lives in JSONL artifacts. */
export const STATE_VERSION = 1;

export const StepStatusSchema = z.enum(['not_run', 'running', 'done', 'failed', 'interrupted']);
export type StepStatus = z.infer<typeof StepStatusSchema>;
/**
 * What a user sees: stored status plus two derived ones, never stored: `stale` (a done step whose inputs or
 * settings changed) and `warning` (a done, current step that recorded a `warning`).
 */
export type StepDisplayStatus = StepStatus | 'stale' | 'warning';

export const StepStateSchema = z.object({
  status: StepStatusSchema.default('not_run'),
  params: z.record(z.string(), z.unknown()).default({}),
  paramsHash: z.string().nullable().default(null),
  /** Versions of the input artifacts when the step last finished. */
  inputVersions: z.record(z.string(), z.number()).default({}),
  counts: z.record(z.string(), z.number()).default({}),
  summary: z.string().default(''),
  startedAt: z.string().nullable().default(null),
  finishedAt: z.string().nullable().default(null),
  durationMs: z.number().nullable().default(null),
  error: z.string().nullable().default(null),
  /**
   * Set when a step finished but its result is not usable as it stands (e.g. >0 inputs gave 0
   * outputs): the reason and the fix. Shown as a warning state, never as a green done.
   */
  warning: z.string().nullable().default(null),
  /** The last progress total the step reported (items it had to do), so a stopped step reads "kept N of M". */
  total: z.number().nullable().default(null),
  /** Step-specific resumption data (small: cursors, not records). */
  cursor: z.record(z.string(), z.unknown()).default({}),
  /** LLM spend for the step's current output, over every invocation that built it (reset by a fresh start). */
  usage: z
    .object({ tokensIn: z.number(), tokensOut: z.number(), costUsd: z.number() })
    .default({ tokensIn: 0, tokensOut: 0, costUsd: 0 }),
});
export type StepState = z.infer<typeof StepStateSchema>;

export const ArtifactStateSchema = z.object({
  version: z.number().default(0),
  count: z.number().default(0),
  updatedAt: z.string().nullable().default(null),
});

export const CorpusConfigSchema = z.object({
  kind: z.enum(['sample', 'mimic', 'mimic-jpg', 'csv', 'jsonl']),
  path: z.string(),
  /** MIMIC metadata CSV (kind mimic) or MIMIC-CXR-JPG folder with the three CSVs (kind mimic-jpg). */
  metadata: z.string().nullable().default(null),
  /** CSV column mapping: target field → source column(s), joined with blank lines when several. */
  columns: z.record(z.string(), z.string()).default({}),
  /** Credentialed data (MIMIC by default) may only go to local endpoints unless confirmed. */
  credentialed: z.boolean().default(false),
});
export type CorpusConfig = z.infer<typeof CorpusConfigSchema>;

export const CycleRecordSchema = z.object({
  cycle: z.number(),
  startedAt: z.string(),
  finishedAt: z.string().nullable().default(null),
  counts: z.record(z.string(), z.number()).default({}),
  /** Steps of the cycle's body that finished in it (the runner records them). */
  completed: z.array(z.string()).default([]),
});
export type CycleRecord = z.infer<typeof CycleRecordSchema>;

export const RunConfigSchema = z.object({
  corpus: CorpusConfigSchema.nullable().default(null),
  /** Extraction backend: `rules` works offline; `llm` uses the configured endpoints. */
  backend: z.enum(['rules', 'llm']).default('rules'),
  /** LLM settings without secrets (endpoints, model, prompt ids, decoding); owned by the LLM layer. */
  llm: z.record(z.string(), z.unknown()).default({}),
  /** Release-faithful or improved behaviour of the dataset-shaping steps. */
  style: StyleSchema.default('improved'),
});
export type RunConfig = z.infer<typeof RunConfigSchema>;

/** What a run learnt about one endpoint, so no later process or step spends requests learning it again. */
export const EndpointNoteSchema = z.object({
  /** The server refused json_schema output; requests there go as free text. */
  structuredRefused: z.boolean().default(false),
  reason: z.string().optional(),
  at: z.string().optional(),
});
export type EndpointNote = z.infer<typeof EndpointNoteSchema>;

/**
 * A plan run (`cxrvqa run`, the app's run all or one more cycle) under way: written when it starts,
 * cleared when it ends done. Left behind by a stop, a failure or a dead process, it says what
 * "resume" goes on with after the interrupted step.
 */
export const RunIntentSchema = z.object({
  kind: z.literal('plan'),
  /** The follow-up cycles asked for; null = the plan's default. */
  cycles: z.number().int().nullable().default(null),
  startedAt: z.string(),
});
export type RunIntent = z.infer<typeof RunIntentSchema>;

export const RunStateSchema = z.object({
  schemaVersion: z.literal(STATE_VERSION),
  createdAt: z.string(),
  updatedAt: z.string(),
  config: RunConfigSchema.default(() => RunConfigSchema.parse({})),
  steps: z.record(z.string(), StepStateSchema).default({}),
  artifacts: z.record(z.string(), ArtifactStateSchema).default({}),
  cycles: z.array(CycleRecordSchema).default([]),
  /** Per endpoint label (URL without credentials). */
  endpoints: z.record(z.string(), EndpointNoteSchema).default({}),
  /** Review judgments and notes (small; one entry per judged finding). */
  reviews: z.record(z.string(), z.unknown()).default({}),
  /** Where the Ink app was, so reopening a run restores the screen. */
  ui: z.record(z.string(), z.unknown()).default({}),
  /** Batch API jobs submitted and not yet imported (ids only), so a restart polls instead of resubmitting. */
  batches: z.record(z.string(), z.unknown()).default({}),
  /** Per step id: the engine of its LLM requests and the remote state of batch / shard work. */
  engines: z.record(z.string(), StepEngineSchema).default({}),
  /** The plan run that has not ended done yet (null when none). */
  intent: RunIntentSchema.nullable().default(null),
});
export type RunState = z.infer<typeof RunStateSchema>;

export function newRunState(now = new Date()): RunState {
  return RunStateSchema.parse({
    schemaVersion: STATE_VERSION,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  });
}
