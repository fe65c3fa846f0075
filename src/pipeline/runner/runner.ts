import { followupDone } from '../followup/cycles.js';
import type { AnyStep, RunEnv, RunMode, RunnerEvent, StepContext, StepEvent } from '../steps/contract.js';
import type { Run } from '../store/run.js';
import { isAbortError, UserError } from '../util/errors.js';
import { ProgressTracker } from './progress.js';
import { displayStatus, effectiveParams, stepFingerprint, stepState } from './status.js';
import { checkPlannedConfig } from './checks.js';

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
   * across follow-up cycles (rows carry their cycle; the step keys by it).
   */
  keepOutputs?: boolean;
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
  const tracker = new ProgressTracker(Date.now, 10_000, mode === 'resume');
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
  const resetOutputs = mode === 'fresh' && !opts.keepOutputs;
  if (resetOutputs) {
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
    if (resetOutputs) for (const name of step.writes) bumpArtifact(s, name, 0);
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

export interface PipelineOptions extends Omit<RunStepOptions, 'mode' | 'keepOutputs'> {
  /**
   * Follow-up cycles wanted in total (cycle k = follow-up k, then standardize k).
   * Cycles already finished are not redone; an interrupted one resumes.
   * Undefined: as many as the run has started, at least one.
   */
  cycles?: number;
}

/**
 * Run steps in order; stop at the first failure or interruption. Standardize
 * and follow-up form the cycle block: at follow-up's place, follow-up k and
 * standardize k alternate until `cycles` are finished (docs/method.md §8).
 */
export async function runPipeline(run: Run, steps: readonly AnyStep[], opts: PipelineOptions): Promise<StepOutcome> {
  await recoverInterrupted(run);
  const std = steps.find((s) => s.id === 'standardize');
  const fu = steps.find((s) => s.id === 'followup');
  const finishedCycles = run.state.cycles.filter((c) => c.finishedAt !== null).length;
  await checkPlannedConfig(run, steps, {
    ...opts,
    willRun: (step) =>
      step === fu ? wantedCycles(run, opts) > finishedCycles : chooseMode(run, step, Boolean(opts.force)) !== 'skip',
  });
  for (const step of steps) {
    let outcome: StepOutcome;
    if (step === std) outcome = await runStandardizePhase(run, step, opts);
    else if (step === fu) outcome = await runCycles(run, step, std, opts);
    else outcome = await runStep(run, step, opts);
    if (outcome === 'failed' || outcome === 'interrupted') return outcome;
  }
  return 'done';
}

const CYCLE_ARTIFACTS = ['followup', 'followup-log'] as const;

/** Cycles wanted in total: as asked, else as many as the run has started (at least one). */
function wantedCycles(run: Run, opts: PipelineOptions): number {
  return opts.cycles ?? Math.max(1, run.state.cycles.length);
}

/** Whether the records the cycles were built on changed: new extraction, new standardize params, or --force. */
function cycleBaseChanged(run: Run, std: AnyStep, force: boolean): boolean {
  if (force) return true;
  const st = stepState(run, std.id);
  if (st.paramsHash !== null && st.paramsHash !== stepFingerprint(run, std)) return true;
  return std.reads.some((n) => !(CYCLE_ARTIFACTS as readonly string[]).includes(n) && (run.state.artifacts[n]?.version ?? 0) !== (st.inputVersions[n] ?? 0));
}

/** Start the series over from the extraction: follow-up outputs move aside (kept as .bak), the history is cleared. */
async function restartCycles(run: Run): Promise<void> {
  for (const name of CYCLE_ARTIFACTS) run.artifact(name).reset();
  await run.update((s) => {
    s.cycles = [];
    for (const name of CYCLE_ARTIFACTS) if (s.artifacts[name]) bumpArtifact(s, name, 0);
  });
}

/** Standardize at its own place in the order: the base pass (cycle 0), or the pending half of an open cycle. */
async function runStandardizePhase(run: Run, std: AnyStep, opts: PipelineOptions): Promise<StepOutcome> {
  const cycles = run.state.cycles;
  if (cycles.length > 0 && cycleBaseChanged(run, std, Boolean(opts.force))) {
    await restartCycles(run);
    return runStep(run, std, { ...opts, env: { ...opts.env, cycle: 0 }, mode: 'fresh' });
  }
  const open = cycles.find((c) => c.finishedAt === null && followupDone(c));
  if (open) return standardizeCycle(run, std, open.cycle, opts);
  const last = cycles.filter((c) => c.finishedAt !== null).at(-1)?.cycle ?? 0;
  return runStep(run, std, { ...opts, env: { ...opts.env, cycle: last } });
}

async function standardizeCycle(run: Run, std: AnyStep, cycle: number, opts: PipelineOptions): Promise<StepOutcome> {
  // No force: standardize is stale after follow-up k (fresh), interrupted (resume) or already done for k (skip).
  const outcome = await runStep(run, std, { ...opts, force: false, env: { ...opts.env, cycle } });
  if (outcome === 'done' || outcome === 'skipped') {
    await run.update((s) => {
      const rec = s.cycles.find((c) => c.cycle === cycle);
      if (rec && rec.finishedAt === null) rec.finishedAt = new Date().toISOString();
    });
  }
  return outcome;
}

/** The cycle block at follow-up's place: cycles 1..N, each follow-up k then standardize k. */
async function runCycles(run: Run, fu: AnyStep, std: AnyStep | undefined, opts: PipelineOptions): Promise<StepOutcome> {
  const emit = opts.onEvent ?? (() => {});
  const applicable = fu.applies?.(run) ?? { ok: true };
  if (!applicable.ok) return runStep(run, fu, opts); // reports the reason as skipped
  const wanted = wantedCycles(run, opts);
  if (wanted === 0) {
    emit({ type: 'step-end', stepId: fu.id, status: 'skipped', summary: 'no follow-up cycles requested (pass --cycles N)', counts: {} });
    return 'skipped';
  }
  for (let k = 1; k <= wanted; k++) {
    const rec = run.state.cycles.find((c) => c.cycle === k);
    if (rec?.finishedAt) {
      emit({ type: 'step-end', stepId: fu.id, status: 'skipped', summary: `cycle ${k} already done`, counts: rec.counts });
      continue;
    }
    if (!followupDone(rec)) {
      // Outputs accumulate over cycles (rows carry the cycle), so a new cycle is fresh without a reset.
      const outcome = await runStep(run, fu, { ...opts, force: false, env: { ...opts.env, cycle: k }, mode: rec ? 'resume' : 'fresh', keepOutputs: true });
      if (outcome !== 'done') return outcome;
    }
    if (!std) return 'done'; // follow-up alone: the cycle finishes when standardize runs
    const outcome = await standardizeCycle(run, std, k, opts);
    if (outcome === 'failed' || outcome === 'interrupted') return outcome;
  }
  return 'done';
}
