import { estimateRun, type LlmProfile } from '../llm/index.js';
import { runLlmBatch } from '../llm/batch.js';
import type { LoadedPrompt } from '../llm/prompts.js';
import { REPORTS } from '../ingest/artifacts.js';
import type { ReportRecord } from '../schemas/report.js';
import { USABLE_STATUSES, zeroStatusCounts, type ExtractionStatus } from '../schemas/extraction.js';
import type { StepContext } from '../steps/contract.js';
import { fmtNum } from '../util/format.js';
import { RAW } from './artifacts.js';
import { cacheableKeyInfo, extractOne, modelText } from './request.js';
import { styleOf } from '../runner/style.js';

export { modelText } from './request.js';

const MAX_ITEM_EVENTS = 200;

export type LlmCounts = Record<ExtractionStatus | 'resumed' | 'cached' | 'interrupted', number>;

export function emptyCounts(): LlmCounts {
  return { ...zeroStatusCounts(), resumed: 0, cached: 0, interrupted: 0 };
}

export async function extractWithLlm(
  ctx: StepContext<unknown>,
  profile: LlmProfile,
  prompt: LoadedPrompt,
  done: ReadonlySet<string>,
): Promise<LlmCounts> {
  const { run } = ctx;
  const reports = run.open(REPORTS);
  const raw = run.open(RAW);
  const counts = emptyCounts();

  // Pass 1: what is left to do, and the pre-run estimate (only numbers are kept in memory).
  const promptChars: number[] = [];
  for await (const r of reports.lines()) {
    if (done.has(r.study_id)) counts.resumed++;
    else promptChars.push(prompt.text.length + modelText(r, styleOf(run)).length);
  }
  const total = promptChars.length + counts.resumed;
  const est = estimateRun(promptChars, profile);
  ctx.emit({
    type: 'log',
    level: 'info',
    message: `${promptChars.length} reports to send${counts.resumed ? ` (${counts.resumed} already done are kept)` : ''}; estimate: ~${fmtNum(est.tokensIn)} input + ~${fmtNum(est.tokensOut)} output tokens${est.costUsd !== null ? `, ~$${est.costUsd.toFixed(2)}` : ' (no price configured for this model)'} [${est.method}]`,
  });
  ctx.emit({ type: 'progress', done: counts.resumed, total });
  if (promptChars.length === 0) return counts;

  let finished = counts.resumed;
  let itemEvents = 0;
  const itemEvent = (key: string, outcome: 'failed' | 'retried', reason: string) => {
    if (itemEvents++ < MAX_ITEM_EVENTS) ctx.emit({ type: 'item', key, outcome, reason });
  };

  async function* pending(): AsyncGenerator<ReportRecord> {
    for await (const r of reports.lines()) if (!done.has(r.study_id)) yield r;
  }

  try {
    const { stats } = await runLlmBatch({
      ctx,
      profile,
      label: 'Extraction',
      stage: 'extract',
      items: pending,
      itemKey: (r) => r.study_id,
      accept: cacheableKeyInfo,
      onRetry: (tag, kind) => itemEvent(tag, 'retried', kind),
      progress: (s) => ({ done: finished, total, counters: { ...progressCounters(counts), cached: s.cached } }),
      async handle(r, llm) {
        const row = await extractOne(llm, r.study_id, modelText(r, styleOf(run)), {
          prompt,
          structured: profile.structured !== 'off',
        });
        if (!row) {
          counts.interrupted++;
          return;
        }
        raw.append(row);
        counts[row.status]++;
        finished++;
        if (!USABLE_STATUSES.has(row.status)) itemEvent(r.study_id, 'failed', `${row.status}: ${row.reason ?? ''}`);
      },
    });
    counts.cached = stats.cached;
  } finally {
    raw.close();
  }
  return counts;
}

/** The counters the progress view shows while extraction runs. */
function progressCounters(c: LlmCounts): Record<string, number> {
  const { resumed: _resumed, interrupted: _interrupted, cached: _cached, ...shown } = c;
  return shown;
}
