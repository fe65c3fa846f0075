import { checkDataUse, loadPrompt, type LlmProfile } from '../llm/index.js';
import { runLlmBatch } from '../llm/batch.js';
import type { ExtractionResult } from '../schemas/extraction.js';
import type { ReportRecord } from '../schemas/report.js';
import type { RunEnv } from '../steps/contract.js';
import type { Run } from '../store/run.js';
import { cacheableKeyInfo, extractOne, modelText } from './request.js';
import { styleOf } from '../runner/style.js';

/**
 * Extract one report through the same batch primitive as the bulk step (for the
 * inspector's re-run): the same judging, cache and data-use guard. Nothing is
 * written to `raw`; the caller decides whether to keep the row.
 */
export async function extractSingleReport(
  run: Run,
  rec: ReportRecord,
  profile: LlmProfile,
  promptId: string,
  env: RunEnv,
  signal: AbortSignal,
): Promise<ExtractionResult> {
  checkDataUse(profile.endpoints, run.state.config.corpus?.credentialed ?? false, env.confirmations);
  const prompt = loadPrompt(promptId);
  let row: ExtractionResult | null = null;
  await runLlmBatch({
    ctx: { run, signal, env, emit: () => {} },
    // A re-run is for someone looking at the report now: never a 24-hour batch.
    profile: { ...profile, engine: 'live' },
    label: 'Re-run',
    items: [rec],
    concurrency: 1,
    accept: cacheableKeyInfo,
    progress: () => ({ done: row ? 1 : 0, total: 1 }),
    async handle(r, llm) {
      row = await extractOne(llm, r.study_id, modelText(r, styleOf(run)), {
        prompt,
        structured: profile.structured !== 'off',
      });
    },
  });
  if (!row) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
  return row;
}
