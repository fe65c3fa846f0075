import { setMaxListeners } from 'node:events';
import path from 'node:path';
import { createLlm, estimateRun, KEYINFO_RESPONSE_SCHEMA, extractionMessages, runPool, type CompletionResult, type LlmProfile } from '../llm/index.js';
import type { LoadedPrompt } from '../llm/prompts.js';
import { REPORTS } from '../ingest/artifacts.js';
import type { ReportRecord } from '../schemas/report.js';
import type { ExtractionResult, ExtractionStatus } from '../schemas/extraction.js';
import type { StepContext } from '../steps/contract.js';
import { UserError } from '../util/errors.js';
import { RAW } from './artifacts.js';
import { parseKeyInfo, type ParsedKeyInfo } from './parse.js';
import { llmEventLogger } from '../llm/eventLog.js';

const MAX_ITEM_EVENTS = 200;

export type LlmCounts = Record<ExtractionStatus | 'resumed' | 'cached' | 'interrupted', number>;

/** The text the model sees: the LLM section selection (docs/method.md §2), else the whole report. */
export function modelText(r: ReportRecord): string {
  return r.selected.trim() ? r.selected : r.text;
}

/** Turn one completion into a `raw` row; null when nothing should be recorded (aborted mid-flight). */
export function resultRow(studyId: string, res: CompletionResult, model: string, parsed?: ParsedKeyInfo): ExtractionResult | null {
  const base = { study_id: studyId, backend: 'llm' as const, model, request_key: res.key, at: new Date().toISOString() };
  switch (res.kind) {
    case 'ok': {
      const p = parsed ?? parseKeyInfo(res.text, { truncated: res.finishReason === 'length' });
      return {
        ...base,
        status: p.status,
        keyinfo: p.keyinfo,
        ...(p.status !== 'ok' ? { raw_text: res.text } : {}),
        ...(p.reason ? { reason: res.finishReason === 'length' && !p.reason.includes('max_tokens') ? `${p.reason} (finish_reason length)` : p.reason } : {}),
        ...(res.usage ? { usage: res.usage } : {}),
      };
    }
    case 'filtered':
      return { ...base, status: 'filtered', keyinfo: null, reason: res.reason };
    case 'error':
      if (res.errorKind === 'aborted') return null;
      return { ...base, status: 'failed', keyinfo: null, reason: `${res.errorKind}: ${res.message} (after ${res.attempts} attempt${res.attempts === 1 ? '' : 's'})` };
  }
}

/** Errors that will hit every request the same way: stop the step instead of failing 227k records. */
const FATAL = new Set(['auth', 'not_found', 'no_endpoint']);

export async function extractWithLlm(ctx: StepContext<unknown>, profile: LlmProfile, prompt: LoadedPrompt, done: ReadonlySet<string>): Promise<LlmCounts> {
  const { run } = ctx;
  const reports = run.open(REPORTS);
  const raw = run.open(RAW);
  const counts: LlmCounts = { ok: 0, repaired: 0, parse_error: 0, filtered: 0, failed: 0, resumed: 0, cached: 0, interrupted: 0 };

  // Pass 1: what is left to do, and the pre-run estimate (only numbers are kept in memory).
  const promptChars: number[] = [];
  for await (const r of reports.lines()) {
    if (done.has(r.study_id)) counts.resumed++;
    else promptChars.push(prompt.text.length + modelText(r).length);
  }
  const total = promptChars.length + counts.resumed;
  const est = estimateRun(promptChars, profile);
  ctx.emit({
    type: 'log',
    level: 'info',
    message: `${promptChars.length} reports to send${counts.resumed ? ` (${counts.resumed} already done are kept)` : ''}; estimate: ~${est.tokensIn.toLocaleString('en-US')} input + ~${est.tokensOut.toLocaleString('en-US')} output tokens${est.costUsd !== null ? `, ~$${est.costUsd.toFixed(2)}` : ' (no price configured for this model)'} [${est.method}]`,
  });
  ctx.emit({ type: 'progress', done: counts.resumed, total });
  if (promptChars.length === 0) return counts;

  const parsedByKey = new Map<string, ParsedKeyInfo>();
  const stop = new AbortController();
  // Every request in flight listens on this signal (scheduler wait + HTTP attempt): many at once by design.
  setMaxListeners(Math.max(10, profile.concurrency * 4), stop.signal);
  const onAbort = () => stop.abort();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  let fatal: string | null = null;
  // Every endpoint down for good: stop after this many failures in a row instead of failing every report.
  const failureLimit = Math.max(20, 2 * profile.concurrency);
  let failuresInRow = 0;
  let itemEvents = 0;
  const onEvent = llmEventLogger(ctx.emit, {
    onRetry: (e) => {
      if (e.tag && itemEvents++ < MAX_ITEM_EVENTS) ctx.emit({ type: 'item', key: e.tag, outcome: 'retried', reason: e.errorKind });
    },
  });
  const llm = createLlm(profile, {
    env: ctx.env.env,
    cacheDir: path.join(run.dir, 'llm-cache'),
    onEvent,
    // Only output that parses is cached; a parse error is kept in `raw` with its text instead.
    accept: (text, res) => {
      const p = parseKeyInfo(text, { truncated: res.finishReason === 'length' });
      parsedByKey.set(res.key, p);
      return p.status !== 'parse_error';
    },
  });

  let finished = counts.resumed;
  let lastEmit = 0;
  let sentIn = 0;
  let sentOut = 0;
  let sentCost = 0;
  const emitProgress = (force = false) => {
    const now = Date.now();
    if (!force && now - lastEmit < 100) return;
    lastEmit = now;
    const s = llm.stats.snapshot();
    if (s.tokensIn > sentIn || s.tokensOut > sentOut) {
      ctx.emit({ type: 'usage', tokensIn: s.tokensIn - sentIn, tokensOut: s.tokensOut - sentOut, costUsd: s.costUsd - sentCost });
      sentIn = s.tokensIn;
      sentOut = s.tokensOut;
      sentCost = s.costUsd;
    }
    ctx.emit({ type: 'progress', done: finished, total, counters: { ok: counts.ok, repaired: counts.repaired, parse_error: counts.parse_error, filtered: counts.filtered, failed: counts.failed, cached: counts.cached } });
  };

  async function* pending(): AsyncGenerator<ReportRecord> {
    for await (const r of reports.lines()) if (!done.has(r.study_id)) yield r;
  }

  try {
    await runPool(
      pending(),
      profile.concurrency,
      async (r) => {
        const res = await llm.client.complete(
          { model: profile.model!, messages: extractionMessages(prompt, modelText(r)), params: llm.decoding, responseSchema: profile.structured === 'off' ? undefined : KEYINFO_RESPONSE_SCHEMA, tag: r.study_id },
          { signal: stop.signal },
        );
        if (res.kind === 'error' && FATAL.has(res.errorKind)) {
          fatal ??= res.message;
          stop.abort();
          return;
        }
        const parsed = res.kind === 'ok' ? parsedByKey.get(res.key) : undefined;
        if (res.kind === 'ok') parsedByKey.delete(res.key);
        const row = resultRow(r.study_id, res, profile.model!, parsed);
        if (!row) {
          counts.interrupted++;
          return;
        }
        raw.append(row);
        counts[row.status]++;
        failuresInRow = res.kind === 'error' && res.retryable ? failuresInRow + 1 : 0;
        if (failuresInRow >= failureLimit && !fatal) {
          fatal = `${failuresInRow} reports in a row failed after retries (last: ${row.reason ?? 'unknown'}); the endpoints seem to be down.`;
          stop.abort();
        }
        if (res.kind === 'ok' && res.cached) counts.cached++;
        finished++;
        if (row.status !== 'ok' && row.status !== 'repaired' && itemEvents++ < MAX_ITEM_EVENTS) ctx.emit({ type: 'item', key: r.study_id, outcome: 'failed', reason: `${row.status}: ${row.reason ?? ''}` });
        emitProgress();
      },
      stop.signal,
    );
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    raw.close();
    emitProgress(true);
    const s = llm.stats.snapshot();
    const errs = Object.entries(s.errors).map(([k, v]) => `${k} ${v}`).join(', ');
    ctx.emit({ type: 'log', level: 'info', message: `LLM: ${s.requests} requests (${s.requestsPerSecond.toFixed(1)}/s), ${s.retries} retries, ${s.cached} from cache, tokens ${s.tokensIn} in / ${s.tokensOut} out${s.costUsd ? `, $${s.costUsd.toFixed(4)}` : ''}${errs ? `; errors: ${errs}` : ''}` });
    await llm.close();
  }
  if (fatal) throw new UserError(`Extraction stopped: ${fatal}`, 'Fix the endpoint settings (cxrvqa llm check) and run again; finished reports are kept.');
  return counts;
}
