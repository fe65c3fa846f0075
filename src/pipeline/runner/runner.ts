import type { AnyStep, RunEnv, RunMode, RunnerEvent, StepContext, StepEvent } from '../steps/contract.js';
import type { Run } from '../store/run.js';
import { isAbortError, UserError } from '../util/errors.js';
import { ProgressTracker } from './progress.js';
import { displayStatus, effectiveParams, stepFingerprint, stepState } from './status.js';

export interface RunStepOptions {
  signal: AbortSignal;
  env: RunEnv;
  onEvent?: (event: RunnerEvent) => void;
  /** Run even when done and current; `fresh` discards earlier outputs. */
  force?: boolean;
  /** Override the resume/fresh decision. */
  mode?: RunMode;
}

export type StepOutcome = 'done' | 'failed' | 'interrupted' | 'skipped';

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
    case 'done':
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
    emitRunner({ type: 'step-end', stepId: step.id, status: 'skipped', summary: applicable.reason ?? 'not applicable', counts: {} });
    return 'skipped';
  }
  const decided = opts.mode ?? chooseMode(run, step, Boolean(opts.force));
  if (decided === 'skip') {
    const st = stepState(run, step.id);
    emitRunner({ type: 'step-end', stepId: step.id, status: 'skipped', summary: `already done: ${st.summary}`, counts: st.counts });
    return 'skipped';
  }
  const mode = decided;
  const params = effectiveParams(run, step);
  const tracker = new ProgressTracker();
  const ctx: StepContext<Record<string, unknown>> = {
    run,
    params,
    mode,
    signal: opts.signal,
    env: opts.env,
    emit(event: StepEvent) {
      emitRunner({ type: 'step-event', stepId: step.id, event, progress: tracker.apply(event) });
    },
  };

  await step.preflight?.(ctx);
  if (mode === 'fresh') {
    for (const name of step.writes) run.artifact(name).reset();
  }
  const startedAt = new Date();
  await run.update((s) => {
    const prev = s.steps[step.id];
    s.steps[step.id] = {
      ...(prev ?? { inputVersions: {}, counts: {}, summary: '', finishedAt: null, durationMs: null, cursor: {} }),
      status: 'running',
      params: prev?.params ?? {},
      paramsHash: stepFingerprint(run, step),
      startedAt: startedAt.toISOString(),
      error: null,
      cursor: mode === 'fresh' ? {} : (prev?.cursor ?? {}),
    };
    if (mode === 'fresh') for (const name of step.writes) bumpArtifact(s, name, 0);
  });
  emitRunner({ type: 'step-start', stepId: step.id, mode, title: step.title });

  try {
    const result = await step.run(ctx);
    if (opts.signal.aborted) throw abortError();
    const finishedAt = new Date();
    await run.update((s) => {
      const st = s.steps[step.id]!;
      st.status = 'done';
      st.counts = result.counts;
      st.summary = result.summary;
      st.finishedAt = finishedAt.toISOString();
      st.durationMs = finishedAt.getTime() - startedAt.getTime();
      st.inputVersions = Object.fromEntries(step.reads.map((n) => [n, s.artifacts[n]?.version ?? 0]));
      for (const name of step.writes) bumpArtifact(s, name, result.counts[name] ?? s.artifacts[name]?.count ?? 0);
    });
    emitRunner({ type: 'step-end', stepId: step.id, status: 'done', summary: result.summary, counts: result.counts });
    return 'done';
  } catch (err) {
    const interrupted = opts.signal.aborted || isAbortError(err);
    const message = err instanceof Error ? err.message : String(err);
    await run.update((s) => {
      const st = s.steps[step.id]!;
      st.status = interrupted ? 'interrupted' : 'failed';
      st.error = interrupted ? null : message;
      st.durationMs = Date.now() - startedAt.getTime();
    });
    emitRunner({
      type: 'step-end',
      stepId: step.id,
      status: interrupted ? 'interrupted' : 'failed',
      summary: interrupted ? 'stopped; finished work is kept and the step resumes where it stopped' : message,
      error: interrupted ? undefined : message,
      counts: {},
    });
    if (!interrupted && err instanceof UserError) throw err;
    if (!interrupted && !(err instanceof UserError)) (err as Error & { stepId?: string }).stepId = step.id;
    return interrupted ? 'interrupted' : 'failed';
  }
}

function bumpArtifact(s: { artifacts: Record<string, { version: number; count: number; updatedAt: string | null }> }, name: string, count: number): void {
  const prev = s.artifacts[name];
  s.artifacts[name] = { version: (prev?.version ?? 0) + 1, count, updatedAt: new Date().toISOString() };
}

function abortError(): Error {
  const e = new Error('aborted');
  e.name = 'AbortError';
  return e;
}

export interface PipelineOptions extends Omit<RunStepOptions, 'mode'> {
  /** Follow-up cycles: after the first pass, alternate follow-up and standardize this many times. */
  cycles?: number;
}

/** Run steps in order; stop at the first failure or interruption. */
export async function runPipeline(run: Run, steps: readonly AnyStep[], opts: PipelineOptions): Promise<StepOutcome> {
  await recoverInterrupted(run);
  for (const step of steps) {
    const outcome = await runStep(run, step, opts);
    if (outcome === 'failed' || outcome === 'interrupted') return outcome;
  }
  const cycles = opts.cycles ?? 0;
  const std = steps.find((s) => s.id === 'standardize');
  const fu = steps.find((s) => s.id === 'followup');
  if (cycles > 0 && std && fu) {
    const already = run.state.cycles.filter((c) => c.finishedAt !== null).length;
    for (let k = already + 1; k <= cycles; k++) {
      const env = { ...opts.env, cycle: k };
      for (const step of [fu, std]) {
        const outcome = await runStep(run, step, { ...opts, env, force: true });
        if (outcome === 'failed' || outcome === 'interrupted') return outcome;
      }
    }
  }
  return 'done';
}
