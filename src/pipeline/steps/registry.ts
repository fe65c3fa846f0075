import type { AnyStep } from './contract.js';
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
export const STEPS: AnyStep[] = [ingestStep as unknown as AnyStep, referenceStep as unknown as AnyStep, goldStep as unknown as AnyStep, finetuneStep as unknown as AnyStep, serveStep as unknown as AnyStep, extractStep as unknown as AnyStep, standardizeStep as unknown as AnyStep, followupStep as unknown as AnyStep, questionsStep as unknown as AnyStep];

export function findStep(id: string): AnyStep | undefined {
  return STEPS.find((s) => s.id === id);
}
