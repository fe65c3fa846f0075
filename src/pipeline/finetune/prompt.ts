import { promptForStyle } from '../llm/index.js';
import { styleOf } from '../runner/style.js';
import type { Run } from '../store/run.js';
import type { FinetuneParams } from './params.js';

/**
 * The prompt the model is trained with, smoke-tested with and then asked with by extract: the
 * finetune `prompt` as the run's style reads it (release: the published short form of `simple`),
 * so the fine-tuned model never sees another system turn than the one it learned.
 */
export function trainingPromptId(run: Pick<Run, 'state'>, ft: Pick<FinetuneParams, 'prompt'>): string {
  return promptForStyle(ft.prompt, styleOf(run));
}
