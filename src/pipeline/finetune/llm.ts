import { cacheableKeyInfo, extractOne } from '../extract/request.js';
import { runLlmBatch, type LlmBatchSpec } from '../llm/batch.js';
import { loadPrompt, preflightLlm, type LlmProfile } from '../llm/index.js';
import type { ExtractionResult } from '../schemas/extraction.js';
import type { StepContext } from '../steps/contract.js';

/**
 * The fine-tune path's one link to the LLM layer: the gold step and the serve
 * smoke test extract through the same batch primitive as the extract step
 * (openai client over HTTP, cache, retries, circuit breaker, data-use guard)
 * and judge replies the same way (a cut-off reply is `truncated`, never data).
 */

export interface ReportsToExtract {
  /** Names the work in the summary line ("Gold", "Smoke test"). */
  label: string;
  items: Array<{ id: string; text: string }>;
  concurrency: number;
  /** Which answers the response cache keeps; default: those that parse as KeyInfo. */
  accept?: LlmBatchSpec<unknown>['accept'];
  onRow(row: ExtractionResult, progress: { done: number; total: number }): void;
}

export async function extractReports(
  ctx: Pick<StepContext<unknown>, 'run' | 'signal' | 'env' | 'emit'>,
  profile: LlmProfile,
  promptId: string,
  spec: ReportsToExtract,
): Promise<void> {
  const prompt = loadPrompt(promptId);
  await preflightLlm(profile, {
    env: ctx.env.env,
    confirmations: ctx.env.confirmations,
    credentialed: ctx.run.state.config.corpus?.credentialed ?? false,
    signal: ctx.signal,
  });
  ctx.emit({
    type: 'log',
    level: 'info',
    message: `extracting ${spec.items.length} reports with ${profile.model} and the "${prompt.id}" prompt (${prompt.sha}), ${spec.concurrency} at a time`,
  });
  let done = 0;
  const total = spec.items.length;
  await runLlmBatch({
    ctx,
    profile,
    label: spec.label,
    items: spec.items,
    itemKey: (item) => item.id,
    concurrency: spec.concurrency,
    accept: spec.accept ?? cacheableKeyInfo,
    progress: () => ({ done, total }),
    async handle(item, llm) {
      const row = await extractOne(llm, item.id, item.text, { prompt, structured: profile.structured !== 'off' });
      if (!row || ctx.signal.aborted) return;
      done++;
      spec.onRow(row, { done, total });
    },
  });
}
