import type { AnyStep, RunEnv, RunMode, RunnerEvent, StepContext, StepEvent, StepOutcome } from '../steps/contract.js';
import type { Run } from '../store/run.js';
import type { StepState } from '../schemas/state.js';
import { isAbortError, UserError } from '../util/errors.js';
import { bumpArtifact, missingInputs } from './artifacts.js';
import { artifactName } from '../store/artifact.js';
import { SettingsChecks } from './checks.js';
import { ProgressTracker } from './progress.js';
import { displayStatus, effectiveParams, stepFingerprint, stepState } from './status.js';
import { recordStepError } from './stepLog.js';

export interface RunStepOptions {
  signal: AbortSignal;
  env: RunEnv;
  onEvent?: (event: RunnerEvent) => void;
  /** Run even when done and current; `fresh` discards earlier outputs. */
  force?: boolean;
  /** Override the resume/fresh decision. */
  mode?: RunMode;
  /**
   * Fresh without moving the outputs aside: for outputs that accumulate
   * across the iterations of a repeat (rows carry their iteration).
   */
  keepOutputs?: boolean;
  /** Settings checks already passed in this invocation (each step's run once). */
  checks?: SettingsChecks;
}

/** Mark steps left `running` by a process that died as interrupted (we hold the lock, so nobody runs them). */
export async function recoverInterrupted(run: Run): Promise<string[]> {
  const ids = Object.entries(run.state.steps)
    .filter(([, s]) => s.status === 'running')
    .map(([id]) => id);
  if (ids.length) await run.update((s) => ids.forEach((id) => (s.steps[id]!.status = 'interrupted')));
  return ids;
}

export function chooseMode(run: Run, step: AnyStep, force: boolean): RunMode | 'skip' {
  const status = displayStatus(run, step);
  const st = stepState(run, step.id);
  switch (status) {
    // A warning is a finished result: running it again unchanged gives the same warning.
    case 'done':
    case 'warning':
      return force ? 'fresh' : 'skip';
    case 'stale':
    case 'not_run':
      return 'fresh';
    case 'running':
    case 'interrupted':
    case 'failed': {
      // Resume only when the params are the ones the partial output was made with.
      const same = st.paramsHash !== null && st.paramsHash === stepFingerprint(run, step);
      return same ? 'resume' : 'fresh';
    }
  }
}

/** Run one step through the contract, keeping its state in the run store. */
export async function runStep(run: Run, step: AnyStep, opts: RunStepOptions): Promise<StepOutcome> {
  const emitRunner = opts.onEvent ?? (() => {});
  const applicable = step.applies?.(run) ?? { ok: true };
  if (!applicable.ok) {
    emitRunner({
      type: 'step-end',
      stepId: step.id,
      status: 'skipped',
      summary: applicable.reason ?? 'not applicable',
      counts: {},
    });
    return 'skipped';
  }
  const decided = opts.mode ?? chooseMode(run, step, Boolean(opts.force));
  if (decided === 'skip') {
    const st = stepState(run, step.id);
    emitRunner({
      type: 'step-end',
      stepId: step.id,
      status: 'skipped',
      summary: `already done: ${st.summary}`,
      ...(st.warning ? { warning: st.warning } : {}),
      counts: st.counts,
    });
    return 'skipped';
  }
  const mode = decided;
  const params = effectiveParams(run, step);
  const tracker = new ProgressTracker(Date.now, 10_000, mode === 'resume');
  const spent = { tokensIn: 0, tokensOut: 0, costUsd: 0 };
  // Kept in the step state (not only in log lines), so `status` and the report show what the step cost.
  const recordSpend = (st: StepState) => {
    // A state edited in memory (tests, older writers) may lack the field until it is next parsed.
    const prev = st.usage ?? { tokensIn: 0, tokensOut: 0, costUsd: 0 };
    st.usage = {
      tokensIn: prev.tokensIn + spent.tokensIn,
      tokensOut: prev.tokensOut + spent.tokensOut,
      costUsd: prev.costUsd + spent.costUsd,
    };
  };
  let knownTotal: number | null = null;
  const ctx: StepContext<Record<string, unknown>> = {
    run,
    params,
    mode,
    signal: opts.signal,
    env: opts.env,
    emit(event: StepEvent) {
      if (event.type === 'usage') {
        spent.tokensIn += event.tokensIn;
        spent.tokensOut += event.tokensOut;
        spent.costUsd += event.costUsd;
      }
      if (event.type === 'progress' && typeof event.total === 'number' && event.total !== knownTotal) {
        // Kept in state (once per new total) so a step stopped or killed later reads "kept N of M".
        const total = (knownTotal = event.total);
        void run
          .update((s) => {
            const st = s.steps[step.id];
            if (st) st.total = total;
          })
          .catch(() => {});
      }
      emitRunner({ type: 'step-event', stepId: step.id, event, progress: tracker.apply(event) });
    },
  };

  const missing = missingInputs(run, step);
  if (missing) throw missing;
  await (opts.checks ?? new SettingsChecks()).run(step, ctx);
  await step.preflight?.(ctx);
  const reads = step.reads.map(artifactName);
  const writes = step.writes.map(artifactName);
  const resetOutputs = mode === 'fresh' && !opts.keepOutputs;
  if (resetOutputs) {
    for (const name of writes) run.artifact(name).reset();
  }
  const startedAt = new Date();
  await run.update((s) => {
    const prev = s.steps[step.id] ?? stepState(run, step.id);
    s.steps[step.id] = {
      ...prev,
      status: 'running',
      paramsHash: stepFingerprint(run, step),
      startedAt: startedAt.toISOString(),
      error: null,
      warning: null,
      cursor: mode === 'fresh' ? {} : prev.cursor,
      usage: mode === 'fresh' ? { tokensIn: 0, tokensOut: 0, costUsd: 0 } : prev.usage,
    };
    if (resetOutputs) for (const name of writes) bumpArtifact(s, name, 0);
  });
  emitRunner({ type: 'step-start', stepId: step.id, mode, title: step.title });

  try {
    const result = await step.run(ctx);
    opts.signal.throwIfAborted();
    const finishedAt = new Date();
    await run.update((s) => {
      const st = s.steps[step.id]!;
      st.status = 'done';
      st.counts = result.counts;
      st.summary = result.summary;
      st.warning = result.warning ?? null;
      st.finishedAt = finishedAt.toISOString();
      st.durationMs = finishedAt.getTime() - startedAt.getTime();
      recordSpend(st);
      st.inputVersions = Object.fromEntries(reads.map((n) => [n, s.artifacts[n]?.version ?? 0]));
      for (const name of writes) bumpArtifact(s, name, result.counts[name] ?? s.artifacts[name]?.count ?? 0);
    });
    emitRunner({
      type: 'step-end',
      stepId: step.id,
      status: 'done',
      summary: result.summary,
      ...(result.warning ? { warning: result.warning } : {}),
      counts: result.counts,
    });
    return 'done';
  } catch (err) {
    const interrupted = opts.signal.aborted || isAbortError(err);
    const message = err instanceof Error ? err.message : String(err);
    const logFile = interrupted ? null : recordStepError(run, step.id, err);
    const internal =
      !interrupted && !(err instanceof UserError) ? (err instanceof Error ? err : new Error(String(err))) : null;
    await run.update((s) => {
      const st = s.steps[step.id]!;
      st.status = interrupted ? 'interrupted' : 'failed';
      st.error = interrupted ? null : message;
      st.durationMs = Date.now() - startedAt.getTime();
      recordSpend(st);
    });
    emitRunner({
      type: 'step-end',
      stepId: step.id,
      status: interrupted ? 'interrupted' : 'failed',
      summary: interrupted ? 'stopped; finished work is kept and the step resumes where it stopped' : message,
      error: interrupted ? undefined : message,
      // Internal errors carry their stack to the front end (headless prints it); a UserError is its message.
      ...(internal ? { stack: internal.stack ?? internal.message, logFile: logFile ?? undefined } : {}),
      counts: {},
    });
    if (!interrupted && err instanceof UserError) throw err;
    return interrupted ? 'interrupted' : 'failed';
  }
}
