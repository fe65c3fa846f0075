import type { StepOutcome } from '../steps/contract.js';
import { isRepeat, planSteps, type PlanNode } from '../steps/plan.js';
import type { Run } from '../store/run.js';
import { checkPlannedConfig, SettingsChecks } from './checks.js';
import { runRepeat, runSeriesMember, seriesOf, willRunInSeries } from './repeat.js';
import { chooseMode, recoverInterrupted, runStep, type RunStepOptions } from './runStep.js';
import { stepWarnings } from './status.js';

export type { StepOutcome } from '../steps/contract.js';
export { chooseMode, recoverInterrupted, runStep, type RunStepOptions } from './runStep.js';

export interface PipelineOptions extends Omit<RunStepOptions, 'mode' | 'keepOutputs' | 'checks'> {
  /**
   * Iterations of the plan's repeat nodes wanted in total (follow-up cycles).
   * Finished ones are not redone; an interrupted one resumes. Undefined: the
   * node's default, or as many as the run has started when that is more.
   */
  cycles?: number;
}

/**
 * Run a plan in order; stop at the first failure or interruption, and after a
 * step whose result carries a warning (>0 inputs gave 0 outputs): the steps
 * after it would only work on nothing, so they are reported skipped with that
 * reason and the plan ends `done` (the front end decides what a warning means
 * for its exit). A step that
 * also belongs to a repeat's body runs at its own place as the series' base
 * pass (or finishes an iteration left open); the repeat node runs the
 * iterations (docs/method.md §8).
 */
export async function runPipeline(run: Run, plan: readonly PlanNode[], opts: PipelineOptions): Promise<StepOutcome> {
  await recoverInterrupted(run);
  await run.update((s) => {
    s.intent = { kind: 'plan', cycles: opts.cycles ?? null, startedAt: new Date().toISOString() };
  });
  const outcome = await runPlanNodes(run, plan, opts);
  // Kept after a stop or failure: resuming then finishes the plan, not only the step that stopped.
  if (outcome === 'done')
    await run.update((s) => {
      s.intent = null;
    });
  return outcome;
}

async function runPlanNodes(run: Run, plan: readonly PlanNode[], opts: PipelineOptions): Promise<StepOutcome> {
  const checks = new SettingsChecks();
  await checkPlannedConfig(run, planSteps(plan), {
    ...opts,
    checks,
    willRun: (step) => {
      const series = seriesOf(plan, step);
      return series
        ? willRunInSeries(run, series, step, opts.cycles, Boolean(opts.force))
        : chooseMode(run, step, Boolean(opts.force)) !== 'skip';
    },
  });
  const stepOpts: RunStepOptions = { ...opts, checks };
  for (const node of plan) {
    let outcome: StepOutcome;
    if (isRepeat(node)) outcome = await runRepeat(run, node, stepOpts, opts.cycles);
    else {
      const series = seriesOf(plan, node);
      outcome = series ? await runSeriesMember(run, node, series, stepOpts) : await runStep(run, node, stepOpts);
    }
    if (outcome === 'failed' || outcome === 'interrupted') return outcome;
    const warned = stepWarnings(run, planSteps([node]));
    if (warned.length) {
      skipAfterWarning(plan.slice(plan.indexOf(node) + 1), warned[0]!.stepId, opts);
      return 'done';
    }
  }
  return 'done';
}

function skipAfterWarning(rest: readonly PlanNode[], stepId: string, opts: PipelineOptions): void {
  for (const step of new Set(planSteps(rest)))
    opts.onEvent?.({
      type: 'step-end',
      stepId: step.id,
      status: 'skipped',
      summary: `not run: ${stepId} gave nothing to work on (see its warning)`,
      counts: {},
    });
}
