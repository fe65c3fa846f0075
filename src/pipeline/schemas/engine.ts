import { z } from 'zod';

/**
 * Which engine carries a step's LLM requests, and for the offline engines where the
 * remote work stands. Kept per step id in the run state (`engines`), written by the
 * engine's driver as it submits, polls and imports; read by the notebook and `status`.
 */
export const EngineKindSchema = z.enum(['live', 'batch', 'shards']);
export type EngineKind = z.infer<typeof EngineKindSchema>;

export const RemoteStateSchema = z.object({
  state: z.enum(['submitted', 'running', 'done', 'expired', 'failed']),
  /** Requests finished remotely (the batch object's counts; finished shard lines). */
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  /** The batch id, or the shard folder. */
  id: z.string().optional(),
  updatedAt: z.string(),
});
export type RemoteState = z.infer<typeof RemoteStateSchema>;

export const StepEngineSchema = z.object({
  engine: EngineKindSchema,
  remote: RemoteStateSchema.optional(),
});
export type StepEngine = z.infer<typeof StepEngineSchema>;
