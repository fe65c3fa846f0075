import type { AnyStep, StepOutcome } from '../steps/contract.js';
import { isRepeat, perIterationSteps, type PlanNode, type RepeatNode } from '../steps/plan.js';
import { artifactName } from '../store/artifact.js';
import type { Run } from '../store/run.js';
import type { RunState } from '../schemas/state.js';
import { bumpArtifact } from './artifacts.js';
import { chooseMode, runStep, type RunStepOptions } from './runStep.js';
import { stepFingerprint, stepState } from './status.js';

/**
 * Executes repeat nodes: iterations 1..N of a body of steps, kept in the
 * node's ledger so finished iterations are not redone and an interrupted one
 * resumes. Nothing here knows which steps form the body.
 */

/** The repeat whose body holds `step`, when the plan has one. */
export function seriesOf(plan: readonly PlanNode[], step: AnyStep): RepeatNode | undefined {
  return plan.filter(isRepeat).find((node) => node.body.includes(step));
}

/** Iterations wanted in total: as asked, else the node's default or as many as were started. */
function wantedIterations(run: Run, node: RepeatNode, requested: number | undefined): number {
  return requested ?? Math.max(node.defaultTimes, node.ledger.iterations(run.state).length);
}

function finishedIterations(run: Run, node: RepeatNode): number {
  return node.ledger.iterations(run.state).filter((it) => it.finished).length;
}

/** Whether a body step will do work in this invocation (for the early settings checks). */
export function willRunInSeries(
  run: Run,
  node: RepeatNode,
  step: AnyStep,
  requested: number | undefined,
  force: boolean,
): boolean {
  const more = wantedIterations(run, node, requested) > finishedIterations(run, node);
  if (perIterationSteps(node).includes(step)) return more;
  return more || chooseMode(run, step, force) !== 'skip';
}

const chosen = (node: RepeatNode, step: AnyStep) => !node.only || node.only.has(step.id);

/**
 * Whether what the series was built on changed: the step's params or config,
 * an input other than the series' own accumulating artifacts, or --force.
 */
function baseChanged(run: Run, step: AnyStep, node: RepeatNode, force: boolean): boolean {
  if (force) return true;
  const st = stepState(run, step.id);
  if (st.paramsHash !== null && st.paramsHash !== stepFingerprint(run, step)) return true;
  const own = node.resets.map(artifactName);
  return step.reads
    .map(artifactName)
    .some((name) => !own.includes(name) && (run.state.artifacts[name]?.version ?? 0) !== (st.inputVersions[name] ?? 0));
}

/** Start the series over: accumulated outputs move aside (kept as .bak), the ledger is cleared. */
async function restartSeries(run: Run, node: RepeatNode): Promise<void> {
  const own = node.resets.map(artifactName);
  for (const name of own) run.artifact(name).reset();
  await run.update((s) => {
    node.ledger.clear(s);
    for (const name of own) if (s.artifacts[name]) bumpArtifact(s, name, 0);
  });
}

/**
 * A body step at its own place in the plan: the series' base pass (iteration
 * 0), the pending rest of an open iteration, or a restart when the base changed.
 */
export async function runSeriesMember(
  run: Run,
  step: AnyStep,
  node: RepeatNode,
  opts: RunStepOptions,
): Promise<StepOutcome> {
  const iterations = node.ledger.iterations(run.state);
  if (iterations.length > 0 && baseChanged(run, step, node, Boolean(opts.force))) {
    await restartSeries(run, node);
    return runStep(run, step, { ...opts, env: { ...opts.env, cycle: 0 }, mode: 'fresh' });
  }
  const drivers = perIterationSteps(node);
  const open = iterations.find((it) => !it.finished && drivers.every((d) => it.completed.includes(d.id)));
  if (open) return finishIteration(run, node, step, open.index, opts);
  const last = iterations.filter((it) => it.finished).at(-1)?.index ?? 0;
  return runStep(run, step, { ...opts, env: { ...opts.env, cycle: last } });
}

/** Run a body step that follows the per-iteration ones; the iteration finishes when the whole body has. */
async function finishIteration(
  run: Run,
  node: RepeatNode,
  step: AnyStep,
  index: number,
  opts: RunStepOptions,
): Promise<StepOutcome> {
  // No force: the step is stale after the per-iteration work (fresh), interrupted (resume) or already done for it (skip).
  const outcome = await runStep(run, step, { ...opts, force: false, env: { ...opts.env, cycle: index } });
  if (outcome === 'done' || outcome === 'skipped') {
    await run.update((s) => {
      node.ledger.complete(s, index, step.id);
      const it = node.ledger.iterations(s).find((i) => i.index === index);
      if (it && node.body.every((b) => it.completed.includes(b.id))) {
        node.ledger.finish(s, index);
        settleSeriesInputs(s, node);
      }
    });
  }
  return outcome;
}

/**
 * A finished iteration rewrote what its per-iteration steps read (standardize
 * rewrites the records follow-up read): that is the series working, not a
 * change to those steps' inputs, so they are recorded as current. Otherwise
 * every complete cycle would leave them shown stale.
 */
function settleSeriesInputs(s: RunState, node: RepeatNode): void {
  const written = new Set(node.body.flatMap((b) => b.writes.map(artifactName)));
  for (const step of perIterationSteps(node)) {
    const st = s.steps[step.id];
    if (!st) continue;
    for (const name of step.reads.map(artifactName))
      if (written.has(name)) st.inputVersions[name] = s.artifacts[name]?.version ?? 0;
  }
}

/** The repeat node at its place: iterations 1..N, each running the body in order. */
export async function runRepeat(
  run: Run,
  node: RepeatNode,
  opts: RunStepOptions,
  requested: number | undefined,
): Promise<StepOutcome> {
  const emit = opts.onEvent ?? (() => {});
  const drivers = perIterationSteps(node).filter((step) => chosen(node, step));
  if (drivers.length === 0) return 'done'; // only base steps chosen: they ran at their own place
  const inapplicable = drivers.filter((step) => !(step.applies?.(run) ?? { ok: true }).ok);
  if (inapplicable.length) {
    for (const step of inapplicable) await runStep(run, step, opts); // reports the reason as skipped
    return 'skipped';
  }
  const wanted = wantedIterations(run, node, requested);
  if (wanted === 0) {
    for (const step of drivers)
      emit({ type: 'step-end', stepId: step.id, status: 'skipped', summary: node.noneWanted, counts: {} });
    return 'skipped';
  }
  for (let k = 1; k <= wanted; k++) {
    const it = node.ledger.iterations(run.state).find((i) => i.index === k);
    if (it?.finished) {
      for (const step of drivers)
        emit({
          type: 'step-end',
          stepId: step.id,
          status: 'skipped',
          summary: `${node.label} ${k} already done`,
          counts: it.counts,
        });
      continue;
    }
    if (!it) await run.update((s) => node.ledger.start(s, k));
    for (const step of node.body) {
      // A body step left out of this invocation: the iteration waits for it.
      if (!chosen(node, step)) return 'done';
      if (it?.completed.includes(step.id)) continue;
      if (!drivers.includes(step)) {
        const outcome = await finishIteration(run, node, step, k, opts);
        if (outcome === 'failed' || outcome === 'interrupted') return outcome;
        continue;
      }
      // Outputs accumulate over iterations (rows carry it), so a new iteration is fresh without a reset.
      const outcome = await runStep(run, step, {
        ...opts,
        force: false,
        env: { ...opts.env, cycle: k },
        mode: it ? 'resume' : 'fresh',
        keepOutputs: true,
      });
      if (outcome !== 'done') return outcome;
      await run.update((s) => node.ledger.complete(s, k, step.id));
    }
  }
  return 'done';
}
