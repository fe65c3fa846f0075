import { EngineKindSchema, StepEngineSchema, type StepEngine } from '../schemas/engine.js';
import type { RunConfig } from '../schemas/state.js';
import type { AnyStep } from '../steps/contract.js';
import type { Run } from '../store/run.js';

/** The engine the LLM settings choose (`engine` in the LLM section); live endpoints unless one is set. */
function configuredEngine(config: RunConfig): StepEngine['engine'] {
  const parsed = EngineKindSchema.safeParse(config.llm.engine);
  return parsed.success ? parsed.data : 'live';
}

/**
 * The engine of a step's LLM requests: what its driver recorded (with the remote
 * state of batch or shard work), else what the settings choose; null for a step
 * that sends no LLM requests under this config.
 */
export function stepEngine(run: Pick<Run, 'state'>, step: AnyStep): StepEngine | null {
  const stored = StepEngineSchema.safeParse(run.state.engines[step.id]);
  if (stored.success) return stored.data;
  return step.usesLlm?.(run.state.config) ? { engine: configuredEngine(run.state.config) } : null;
}

/** Record (or clear, with null) a step's engine and remote state; for the batch and shard drivers. */
export async function recordStepEngine(run: Run, stepId: string, value: StepEngine | null): Promise<void> {
  const parsed = value === null ? null : StepEngineSchema.parse(value);
  await run.update((s) => {
    if (parsed === null) delete s.engines[stepId];
    else s.engines[stepId] = parsed;
  });
}
