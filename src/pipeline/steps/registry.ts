import { defineStep, type AnyStep } from './contract.js';
import { extractStep } from '../extract/step.js';
import { followupStep } from '../followup/step.js';
import { finetuneStep } from '../finetune/step.js';
import { goldStep } from '../finetune/gold/step.js';
import { serveStep } from '../finetune/serve/step.js';
import { ingestStep } from '../ingest/step.js';
import { questionsStep } from '../questions/step.js';
import { referenceStep } from '../rules/step.js';
import { standardizeStep } from '../standardize/step.js';

/**
 * The pipeline's steps in run order. Each area registers its step here; the
 * headless runner and the Ink app read only this list.
 */
export const STEPS: AnyStep[] = [
  defineStep(ingestStep),
  defineStep(referenceStep),
  defineStep(goldStep),
  defineStep(finetuneStep),
  defineStep(serveStep),
  defineStep(extractStep),
  defineStep(standardizeStep),
  defineStep(followupStep),
  defineStep(questionsStep),
];

export function findStep(id: string): AnyStep | undefined {
  return STEPS.find((s) => s.id === id);
}
