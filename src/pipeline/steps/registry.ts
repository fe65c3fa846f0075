import { defineStep, type AnyStep } from './contract.js';
import { planSteps, repeat, restrictPlan, type PlanNode } from './plan.js';
import { extractStep } from '../extract/step.js';
import { cycleLedger, DEFAULT_CYCLES } from '../followup/cycles.js';
import { followupStep } from '../followup/step.js';
import { finetuneStep } from '../finetune/step.js';
import { goldStep } from '../finetune/gold/step.js';
import { serveStep } from '../finetune/serve/step.js';
import { ingestStep } from '../ingest/step.js';
import { questionsStep } from '../questions/step.js';
import { checkStep } from '../dataset/step.js';
import { referenceStep } from '../rules/step.js';
import { standardizeStep } from '../standardize/step.js';

const standardize = defineStep(standardizeStep);
const followup = defineStep(followupStep);

/**
 * The pipeline in run order. Each area registers its step here; the headless
 * runner and the Ink app read only this plan. Standardize runs once on the
 * extraction (cycle 0), then follow-up k and standardize k alternate
 * (docs/method.md §8).
 */
const PLAN: readonly PlanNode[] = [
  defineStep(ingestStep),
  defineStep(referenceStep),
  defineStep(goldStep),
  defineStep(finetuneStep),
  defineStep(serveStep),
  defineStep(extractStep),
  standardize,
  repeat({
    id: 'followup-cycles',
    label: 'cycle',
    body: [followup, standardize],
    resets: followup.writes,
    defaultTimes: DEFAULT_CYCLES,
    ledger: cycleLedger,
    noneWanted: 'no follow-up cycles requested (pass --cycles N)',
  }),
  defineStep(questionsStep),
  defineStep(checkStep),
];

/** Every step once, in run order. */
export const STEPS: AnyStep[] = planSteps(PLAN);

export function findStep(id: string): AnyStep | undefined {
  return STEPS.find((s) => s.id === id);
}

/** The plan for a chosen subset of steps (steps the registry does not know run after it, in the given order). */
export function planFor(steps: readonly AnyStep[]): PlanNode[] {
  return [...restrictPlan(PLAN, steps), ...steps.filter((step) => !STEPS.includes(step))];
}
