import type { AnyStep, RunEnv, RunnerEvent, StepContext } from '../steps/contract.js';
import type { Run } from '../store/run.js';
import { ProgressTracker } from './progress.js';
import { effectiveParams } from './status.js';

/**
 * A step's settings checks (endpoints, keys, the data-use guard) run once per
 * invocation: early for every planned step, or just before the step when it
 * could not be checked early. A cycle running the step again does not probe again.
 */
export class SettingsChecks {
  private readonly passed = new Set<string>();

  async run(step: AnyStep, ctx: StepContext<Record<string, unknown>>): Promise<void> {
    if (!step.checkConfig || this.passed.has(step.id)) return;
    await step.checkConfig(ctx);
    this.passed.add(step.id);
  }
}

export interface EarlyCheckOptions {
  signal: AbortSignal;
  env: RunEnv;
  onEvent?: (event: RunnerEvent) => void;
  checks: SettingsChecks;
  /** Whether a step will do work in this invocation (the runner's mode decision). */
  willRun(step: AnyStep): boolean;
}

/**
 * Run the config checks of every step that will do work, before the first step
 * starts. A step whose config an earlier planned step changes (serve records the
 * endpoint extract uses) is left to its own run, since its settings do not
 * exist yet.
 */
export async function checkPlannedConfig(run: Run, steps: readonly AnyStep[], opts: EarlyCheckOptions): Promise<void> {
  const pendingChanges = new Set<string>();
  for (const step of steps) {
    if (!(step.applies?.(run) ?? { ok: true }).ok || !opts.willRun(step)) continue;
    const waits = (step.configKeys ?? []).some((k) => pendingChanges.has(k));
    if (!waits) {
      const tracker = new ProgressTracker();
      // Settings checks read no inputs, so the mode they see does not matter.
      const ctx: StepContext<Record<string, unknown>> = {
        run,
        params: effectiveParams(run, step),
        mode: 'resume',
        signal: opts.signal,
        env: opts.env,
        emit: (event) => opts.onEvent?.({ type: 'step-event', stepId: step.id, event, progress: tracker.apply(event) }),
      };
      await opts.checks.run(step, ctx);
    }
    for (const k of step.changesConfig ?? []) pendingChanges.add(k);
  }
}
