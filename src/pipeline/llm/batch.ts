import { setMaxListeners } from 'node:events';
import path from 'node:path';
import type { StepContext } from '../steps/contract.js';
import { UserError } from '../util/errors.js';
import { batchPrices, type LlmStatsSnapshot } from './accounting.js';
import { WAITING_FOR_BATCH } from './batchApi/answers.js';
import { BatchEngine } from './batchApi/engine.js';
import { CircuitBreaker } from './breaker.js';
import type { CachedClientOptions } from './cache.js';
import type { LlmProfile } from './config.js';
import { llmEventLogger } from './eventLog.js';
import { createLlm, type Llm } from './index.js';
import { runPool } from './pool.js';
import type { Run } from '../store/run.js';
import type { ChatRequest, CompletionOk, CompletionResult, DecodingParams } from './types.js';

/**
 * The one way an LLM-backed step sends its items: extract, follow-up, gold and the
 * inspector's re-run all go through here. It owns the stack (cache, scheduler), the
 * abort wiring, progress and usage events, the circuit breaker, the closing summary
 * and the stop on errors that would hit every request alike. A step only says what
 * to ask for one item and what to do with the answer.
 */

/** Errors that hit every request the same way: the step stops instead of failing every item. */
const FATAL: ReadonlySet<string> = new Set(['auth', 'not_found', 'no_endpoint']);

/** A reply judged by the step; `cutOff` asks for one retry with a larger max_tokens. */
export interface Verdict {
  status: string;
  reason?: string;
  cutOff: boolean;
}

export interface Judged<V extends Verdict> {
  res: CompletionResult;
  /** Null unless `res` is ok. */
  verdict: V | null;
}

export interface BatchLlm {
  readonly model: string;
  readonly decoding: DecodingParams;
  readonly signal: AbortSignal;
  /** One request (model and decoding filled in). A fatal error comes back as `aborted`: the item stays to do. */
  complete(req: Omit<ChatRequest, 'model' | 'params'> & { params?: DecodingParams }): Promise<CompletionResult>;
  /**
   * A request whose answer the step judges; a cut-off answer is asked once more with a
   * larger max_tokens, and the verdict says what happened to that retry.
   */
  completeJudged<V extends Verdict>(
    req: Omit<ChatRequest, 'model' | 'params'>,
    judge: (res: CompletionOk) => V,
  ): Promise<Judged<V>>;
}

export interface LlmBatchSpec<T> {
  ctx: Pick<StepContext<unknown>, 'run' | 'signal' | 'env' | 'emit'>;
  profile: LlmProfile;
  /** Names the step in the summary and in the stop message ("Extraction", "Follow-up"). */
  label: string;
  /**
   * The items; a function is called again for each batch round (the batch engine needs items it
   * can go over again: a function or an array), and only the items still waiting are handled.
   */
  items: Iterable<T> | AsyncIterable<T> | (() => Iterable<T> | AsyncIterable<T>);
  /** Names an item across batch rounds (default: the item itself, which suits arrays). */
  itemKey?: (item: T) => unknown;
  /** Names the requests in batch custom ids and state (default: the label, lower case). */
  stage?: string;
  concurrency?: number;
  /** Which answers the response cache keeps: only those the step can use. */
  accept?: CachedClientOptions['accept'];
  /** Progress to show; `stats` is the stack's running count (requests, cache hits, tokens). */
  progress(stats: LlmStatsSnapshot): { done: number; total: number | null; counters?: Record<string, number> };
  handle(item: T, llm: BatchLlm): Promise<void>;
  /** Per-item retry notice (the step may count them). */
  onRetry?: (tag: string, errorKind: string) => void;
}

export interface LlmBatchResult {
  stats: LlmStatsSnapshot;
}

/** The larger max_tokens for the one retry of a cut-off answer, or null when there is no room. */
export function retryMaxTokens(
  profile: Pick<LlmProfile, 'decoding' | 'truncationRetryMaxTokens'>,
  current: number | undefined,
): number | null {
  const base = current ?? profile.decoding.max_tokens;
  const cap = profile.truncationRetryMaxTokens ?? base * 2;
  const next = Math.min(cap, base * 2);
  return next > base ? next : null;
}

export async function runLlmBatch<T>(spec: LlmBatchSpec<T>): Promise<LlmBatchResult> {
  const { ctx, profile } = spec;
  const concurrency = spec.concurrency ?? profile.concurrency;
  const local = new AbortController();
  const signal = AbortSignal.any([ctx.signal, local.signal]);
  // Every request in flight listens on this signal (scheduler wait, retry sleep, HTTP attempt).
  setMaxListeners(Math.max(10, concurrency * 4), signal);
  let stopReason: string | null = null;
  const stop = (why: string) => {
    stopReason ??= why;
    local.abort();
  };
  const breaker = new CircuitBreaker({ inRow: Math.max(20, 2 * concurrency), quietMs: 60_000 });
  const log = llmEventLogger(ctx.emit, { onRetry: (e) => e.tag && spec.onRetry?.(e.tag, e.errorKind) });
  const notes = rememberEndpoints(ctx.run);
  const offline = ctx.env.offline;
  const engine =
    profile.engine === 'batch' || offline
      ? new BatchEngine({
          run: ctx.run,
          profile,
          env: ctx.env.env,
          emit: ctx.emit,
          signal,
          stage: spec.stage ?? spec.label.toLowerCase(),
          structuredRefused: notes.refused,
          onStructuredRefused: (label, reason) => {
            log({ type: 'structured-output-off', endpoint: label, reason });
            notes.refuse(label, reason);
          },
          ...(offline ? { offline } : {}),
        })
      : null;
  // Batch answers cost the batch price; the stack counts them as they are imported.
  const llm: Llm = createLlm(engine ? { ...profile, prices: batchPrices(profile.prices) } : profile, {
    env: ctx.env.env,
    cacheDir: path.join(ctx.run.dir, 'llm-cache'),
    structuredRefused: notes.refused,
    ...(engine ? { inner: engine.client } : {}),
    ...(spec.accept ? { accept: spec.accept } : {}),
    onEvent: (e) => {
      log(e);
      if (e.type === 'structured-output-off') notes.refuse(e.endpoint, e.reason);
    },
  });

  engine?.countInto(llm.stats);
  const sent = { tokensIn: 0, tokensOut: 0, costUsd: 0 };
  let lastEmit = 0;
  const emitProgress = (force = false) => {
    const now = Date.now();
    if (!force && now - lastEmit < 100) return;
    lastEmit = now;
    const s = llm.stats.snapshot();
    // Usage as deltas before each progress line, so the spend shows while a long step runs.
    if (s.tokensIn > sent.tokensIn || s.tokensOut > sent.tokensOut || s.costUsd > sent.costUsd) {
      ctx.emit({
        type: 'usage',
        tokensIn: s.tokensIn - sent.tokensIn,
        tokensOut: s.tokensOut - sent.tokensOut,
        costUsd: s.costUsd - sent.costUsd,
      });
      Object.assign(sent, { tokensIn: s.tokensIn, tokensOut: s.tokensOut, costUsd: s.costUsd });
    }
    const p = spec.progress(s);
    ctx.emit({ type: 'progress', done: p.done, total: p.total, ...(p.counters ? { counters: p.counters } : {}) });
  };

  const send: BatchLlm['complete'] = async (req) => {
    const res = await llm.client.complete({ ...req, model: llm.model, params: req.params ?? llm.decoding }, { signal });
    if (res.kind === 'error' && FATAL.has(res.errorKind)) {
      stop(res.message);
      return { ...res, errorKind: 'aborted', retryable: false };
    }
    // The endpoint answered even when the model looped on whitespace: that is no sign it is down.
    if (res.kind !== 'error' || res.errorKind === 'whitespace_loop') breaker.answered();
    else if (res.retryable && res.errorKind !== 'aborted') {
      const tripped = breaker.failed(`${res.errorKind}: ${res.message}`);
      if (tripped) stop(tripped);
    }
    return res;
  };

  /** The primitive as one item sees it; `onWaiting` hears of a request left for the next batch round. */
  const batchLlm = (onWaiting?: () => void): BatchLlm => {
    const complete: BatchLlm['complete'] = async (req) => {
      const res = await send(req);
      if (res.kind === 'error' && res.message === WAITING_FOR_BATCH) onWaiting?.();
      return res;
    };
    return {
      model: llm.model,
      decoding: llm.decoding,
      signal,
      complete,
      async completeJudged(req, judge) {
        const first = await complete(req);
        if (first.kind !== 'ok') return { res: first, verdict: null };
        const verdict = judge(first);
        if (!verdict.cutOff) return { res: first, verdict };
        const larger = retryMaxTokens(profile, llm.decoding.max_tokens);
        if (larger === null)
          return {
            res: first,
            verdict: { ...verdict, reason: `${verdict.reason ?? 'cut off'}; no retry: max_tokens is at its cap` },
          };
        const second = await complete({ ...req, params: { ...llm.decoding, max_tokens: larger } });
        if (second.kind === 'error' && second.errorKind === 'aborted') return { res: second, verdict: null };
        if (second.kind !== 'ok') {
          const why = second.kind === 'error' ? `${second.errorKind}: ${second.message}` : second.reason;
          return {
            res: first,
            verdict: {
              ...verdict,
              reason: `${verdict.reason ?? 'cut off'}; the retry with max_tokens ${larger} did not answer (${why})`,
            },
          };
        }
        const again = judge(second);
        if (again.cutOff)
          return {
            res: second,
            verdict: { ...again, reason: `${again.reason ?? 'cut off'} (also with max_tokens ${larger})` },
          };
        return { res: second, verdict: again };
      },
    };
  };

  try {
    if (!engine) {
      const batch = batchLlm();
      const items = typeof spec.items === 'function' ? spec.items() : spec.items;
      await runPool(
        items,
        concurrency,
        async (item) => {
          await spec.handle(item, batch);
          emitProgress();
        },
        signal,
      );
    } else await batchRounds(spec, engine, batchLlm, concurrency, signal, emitProgress);
  } finally {
    emitProgress(true);
    const s = llm.stats.snapshot();
    ctx.emit({ type: 'log', level: 'info', message: summaryLine(spec.label, s) });
    await llm.close();
    await engine?.close();
    await notes.saved();
  }
  if (stopReason)
    throw new UserError(
      `${spec.label} stopped: ${stopReason}`,
      'Fix the endpoint settings (cxrvqa llm check) and run again; finished work is kept.',
    );
  return { stats: llm.stats.snapshot() };
}

/**
 * The batch engine's loop: batches left by an earlier process are imported first; then each
 * round goes over the items still waiting, the requests without an answer are sent as batches,
 * and their answers imported, until a round leaves nothing waiting. A cut-off answer's retry
 * and a follow-up chain's next question simply wait for the next round.
 */
async function batchRounds<T>(
  spec: LlmBatchSpec<T>,
  engine: BatchEngine,
  batchLlm: (onWaiting: () => void) => BatchLlm,
  concurrency: number,
  signal: AbortSignal,
  emitProgress: (force?: boolean) => void,
): Promise<void> {
  const { items } = spec;
  if (typeof items !== 'function' && !Array.isArray(items))
    throw new Error(`${spec.label}: the batch engine needs items it can go over again (a function or an array)`);
  const keyOf = spec.itemKey ?? ((item: T) => item);
  await engine.resumeOpen();
  let only: Set<unknown> | null = null;
  for (let round = 1; !signal.aborted; round++) {
    engine.startRound();
    const waiting = new Set<unknown>();
    const source = typeof items === 'function' ? items() : items;
    const todo = only;
    await runPool(
      filterItems(source, (item) => todo === null || todo.has(keyOf(item))),
      concurrency,
      async (item) => {
        let stalled = false;
        await spec.handle(
          item,
          batchLlm(() => (stalled = true)),
        );
        if (stalled) waiting.add(keyOf(item));
        emitProgress();
      },
      signal,
    );
    if (signal.aborted || engine.pendingCount === 0) return;
    const imported = await engine.submitRound();
    if (signal.aborted) return;
    if (imported === 0)
      throw new UserError(
        `${spec.label}: batch round ${round} brought back no answers for ${waiting.size} items.`,
        'See the batch messages above (a failed validation names the bad line); finished work is kept.',
      );
    only = waiting;
  }
}

async function* filterItems<T>(items: Iterable<T> | AsyncIterable<T>, keep: (item: T) => boolean): AsyncGenerator<T> {
  for await (const item of items) if (keep(item)) yield item;
}

/** One summary format for every LLM step. */
export function summaryLine(label: string, s: LlmStatsSnapshot): string {
  const errs = Object.entries(s.errors)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const cost = s.costUsd ? `, $${s.costUsd.toFixed(4)}` : '';
  return `${label} LLM: ${s.requests} requests (${s.requestsPerSecond.toFixed(1)}/s), ${s.retries} retries, ${s.cached} from cache, tokens ${s.tokensIn} in / ${s.tokensOut} out${cost}${errs ? `; errors: ${errs}` : ''}`;
}

/** The run's memory of endpoints that refuse json_schema: read once, written when one is found. */
function rememberEndpoints(run: Run): {
  refused: Set<string>;
  refuse(label: string, reason: string): void;
  saved(): Promise<void>;
} {
  const refused = new Set(
    Object.entries(run.state.endpoints ?? {})
      .filter(([, n]) => n.structuredRefused)
      .map(([label]) => label),
  );
  let pending: Promise<void> = Promise.resolve();
  return {
    refused,
    refuse(label, reason) {
      if (refused.has(label)) return;
      refused.add(label);
      const at = new Date().toISOString();
      // Best effort: if it cannot be saved, the next process spends one refused request to learn it again.
      pending = pending
        .then(() => run.update((s) => void (s.endpoints[label] = { structuredRefused: true, reason, at })))
        .catch(() => {});
    },
    saved: () => pending,
  };
}
