import { setMaxListeners } from 'node:events';
import path from 'node:path';
import { modelText } from '../extract/llm.js';
import { createLlm, KEYINFO_RESPONSE_SCHEMA, loadPrompt, resolveProfile, runPool, type CompletionResult } from '../llm/index.js';
import { REPORTS } from '../ingest/artifacts.js';
import type { StepContext } from '../steps/contract.js';
import { UserError } from '../util/errors.js';
import { parseReply, type ChainDeps, type ChainOutcome, type StudyWork } from './chain.js';
import { followupMessages, questionText, type QuestionTemplate } from './prompts.js';
import type { FollowupLogRow, FollowupRow, Polarity } from './schema.js';
import { llmEventLogger } from '../llm/eventLog.js';

const FATAL = new Set(['auth', 'not_found', 'no_endpoint']);
const MAX_LOGS = 20;

export interface AskHooks {
  onLog(row: FollowupLogRow): void;
  onStudy(row: FollowupRow): void;
  progress(): { done: number; total: number };
  runChain(work: StudyWork, deps: ChainDeps): Promise<ChainOutcome>;
}

/**
 * Run the pending studies' chains through the LLM layer: one worker per study
 * (so one question in flight per study), `profile.concurrency` studies at once;
 * the layer's scheduler spreads requests over endpoints, retries and caches.
 */
export async function askWithLlm(
  ctx: StepContext<unknown>,
  pending: Map<string, Omit<StudyWork, 'report'>>,
  templates: Record<Polarity, QuestionTemplate>,
  hooks: AskHooks,
): Promise<{ cached: number; noReport: number }> {
  const { run } = ctx;
  const profile = resolveProfile(run.state.config);
  const system = loadPrompt(profile.prompt).text;
  const stop = new AbortController();
  // Every request in flight listens on this signal; many studies run at once by design.
  setMaxListeners(Math.max(10, profile.concurrency * 4), stop.signal);
  const onAbort = () => stop.abort();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const onEvent = llmEventLogger(ctx.emit, { maxRetryLogs: MAX_LOGS });
  const llm = createLlm(profile, {
    env: ctx.env.env,
    cacheDir: path.join(run.dir, 'llm-cache'),
    onEvent,
    // A reply that does not parse is logged with its text and not cached.
    accept: (text, res) => parseReply(text, res.finishReason === 'length').status !== 'parse_error',
  });

  let cached = 0;
  let noReport = 0;
  let fatal: string | null = null;
  let lastEmit = 0;
  const sent = { tokensIn: 0, tokensOut: 0, costUsd: 0 };
  const emitProgress = (force = false) => {
    const now = Date.now();
    if (!force && now - lastEmit < 100) return;
    lastEmit = now;
    const p = hooks.progress();
    const s = llm.stats.snapshot();
    // Usage as deltas before each progress line, so the spend shows while a long cycle runs.
    if (s.tokensIn > sent.tokensIn || s.tokensOut > sent.tokensOut) {
      ctx.emit({ type: 'usage', tokensIn: s.tokensIn - sent.tokensIn, tokensOut: s.tokensOut - sent.tokensOut, costUsd: s.costUsd - sent.costUsd });
      Object.assign(sent, { tokensIn: s.tokensIn, tokensOut: s.tokensOut, costUsd: s.costUsd });
    }
    ctx.emit({ type: 'progress', done: p.done, total: p.total, counters: { requests: s.requests, cached } });
  };
  const deps: ChainDeps = {
    signal: stop.signal,
    question: (q) => questionText(templates[q.polarity], q.entity),
    log: (row) => hooks.onLog(row),
    isFatal: (res) => res.kind === 'error' && FATAL.has(res.errorKind),
    async ask(work, q, current, text): Promise<CompletionResult> {
      const res = await llm.client.complete(
        {
          model: profile.model!,
          messages: followupMessages(system, work.report, current, text),
          params: llm.decoding,
          responseSchema: profile.structured === 'off' ? undefined : KEYINFO_RESPONSE_SCHEMA,
          tag: `${work.study_id}#${q.seq}`,
        },
        { signal: stop.signal },
      );
      if (res.kind === 'ok' && res.cached) cached++;
      return res;
    },
  };

  // Reports are streamed, so only the studies in flight hold their text.
  async function* work(): AsyncGenerator<StudyWork> {
    for await (const r of run.open(REPORTS).lines()) {
      const w = pending.get(r.study_id);
      if (!w) continue;
      pending.delete(r.study_id);
      yield { ...w, report: modelText(r) };
    }
  }

  try {
    await runPool(
      work(),
      profile.concurrency,
      async (w) => {
        const outcome = await hooks.runChain(w, deps);
        if (outcome.kind === 'fatal') {
          fatal ??= outcome.message;
          stop.abort();
        } else if (outcome.kind === 'done') hooks.onStudy(outcome.row);
        emitProgress();
      },
      stop.signal,
    );
    if (!stop.signal.aborted && pending.size > 0) {
      // Standardized records without a report (the reports artifact was rebuilt): nothing to ask with.
      noReport = pending.size;
      for (const w of pending.values()) hooks.onStudy({ study_id: w.study_id, cycle: w.cycle, keyinfo: w.prior.at(-1)?.after ?? w.start, asked: 0, applied: 0, parse_failures: 0, dropped: 0, failed: 0 });
      ctx.emit({ type: 'log', level: 'warn', message: `${noReport} studies have no report text; their records are kept unchanged` });
    }
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    emitProgress(true);
    const s = llm.stats.snapshot();
    ctx.emit({ type: 'log', level: 'info', message: `LLM: ${s.requests} requests, ${s.retries} retries, ${cached} from cache, tokens ${s.tokensIn} in / ${s.tokensOut} out${s.costUsd ? `, $${s.costUsd.toFixed(4)}` : ''}` });
    await llm.close();
  }
  if (fatal) throw new UserError(`Follow-up stopped: ${fatal}`, 'Fix the endpoint settings (cxrvqa llm check) and run again; answered questions are kept.');
  return { cached, noReport };
}
