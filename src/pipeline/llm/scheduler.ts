import type { LlmProfile } from './config.js';
import type { AttemptResult, ProviderClient } from './providers/index.js';
import { requestKey } from './key.js';
import type { LlmStats } from './accounting.js';
import { LatencyTracker, type TimeoutPolicy } from './latency.js';
import { AdaptiveLimit } from './limit.js';
import type { ChatRequest, CompleteOptions, CompletionResult, LlmClient, LlmEvent } from './types.js';

export { runPool } from './pool.js';

const MAX_REST_MS = 10 * 60_000;
/** How often a running attempt is checked against the latest answer times. */
const HEDGE_POLL_MS = 500;
/** A decoding loop may not recur with a fresh sample; twice means it will. */
const MAX_LOOP_RETRIES = 1;

interface Slot {
  client: ProviderClient;
  inFlight: number;
  limit: AdaptiveLimit;
  latency: LatencyTracker;
  failures: number;
  restUntil: number;
  restMs: number;
  rested: boolean;
}

type Attempted = AttemptResult & { refusedAttempts?: number };

interface Running {
  slot: Slot;
  result: Promise<Attempted>;
  abort(): void;
}

export interface SchedulerOptions {
  stats?: LlmStats;
  onEvent?: (e: LlmEvent) => void;
  random?: () => number;
  now?: () => number;
}

export type SchedulerConfig = Pick<LlmProfile, 'concurrency' | 'retries' | 'rest'> &
  Partial<Pick<LlmProfile, 'timeoutMs' | 'idleTimeoutMs' | 'adaptiveTimeouts' | 'firstTokenFloorMs' | 'hedge'>>;

/**
 * Spreads requests over the endpoints of one model by free capacity and owns
 * the retry policy (the SDK is built with maxRetries 0, so attempts never stack).
 * A caller waits only for a free slot, never for other requests to finish.
 * Per endpoint it learns how long answers take (timeouts follow that, and a
 * request stuck past nearly all others gets a second copy when capacity is free)
 * and how much load it takes (a 429 lowers that endpoint's concurrency).
 */
export class Scheduler implements LlmClient {
  private readonly slots: Slot[];
  private inFlight = 0;
  private readonly waiters: Array<() => void> = [];
  private rr = 0;
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(
    clients: readonly ProviderClient[],
    private readonly cfg: SchedulerConfig,
    private readonly opts: SchedulerOptions = {},
  ) {
    this.random = opts.random ?? Math.random;
    this.now = opts.now ?? Date.now;
    this.slots = clients.map((client) => ({
      client,
      inFlight: 0,
      limit: new AdaptiveLimit({ max: client.maxConcurrency, now: this.now }),
      latency: new LatencyTracker(timeoutPolicy(cfg, client)),
      failures: 0,
      restUntil: 0,
      restMs: cfg.rest.ms,
      rested: false,
    }));
  }

  async complete(req: ChatRequest, options: CompleteOptions = {}): Promise<CompletionResult> {
    const { signal } = options;
    const key = requestKey(req);
    if (this.slots.length === 0)
      return {
        kind: 'error',
        errorKind: 'no_endpoint',
        message: 'no LLM endpoint configured',
        retryable: false,
        key,
        endpoint: '',
        attempts: 0,
      };
    let attempts = 0;
    let loops = 0;
    for (;;) {
      const first = await this.acquire(signal);
      if (!first)
        return {
          kind: 'error',
          errorKind: 'aborted',
          message: 'aborted',
          retryable: false,
          key,
          endpoint: '',
          attempts,
        };
      const { slot, r, count } = await this.attemptHedged(req, first, signal);
      attempts += count;
      const endpoint = slot.client.label;
      if (r.kind === 'ok') {
        this.succeeded(slot);
        return { ...r, key, endpoint, cached: false, attempts };
      }
      if (r.kind === 'filtered') {
        this.succeeded(slot);
        return { kind: 'filtered', reason: r.reason, key, endpoint, attempts };
      }
      if (r.errorKind === 'aborted' || signal?.aborted)
        return { ...r, errorKind: 'aborted', retryable: false, key, endpoint, attempts };
      // A whitespace loop is the model's decoding, not the endpoint's health: no rest, and one retry at most.
      if (r.errorKind === 'whitespace_loop') loops++;
      else if (r.retryable) this.failed(slot, r);
      if (!r.retryable || attempts > this.cfg.retries.max || loops > MAX_LOOP_RETRIES)
        return { ...r, key, endpoint, attempts };
      // The server's Retry-After holds for this request only; the others go on.
      const delay = Math.max(this.backoff(attempts), r.retryAfterMs ?? 0);
      this.opts.stats?.retry();
      this.opts.onEvent?.({
        type: 'retry',
        tag: req.tag,
        endpoint,
        attempt: attempts,
        delayMs: delay,
        errorKind: r.errorKind,
        message: r.message,
      });
      if (!(await sleep(delay, signal)))
        return { kind: 'error', errorKind: 'aborted', message: 'aborted', retryable: false, key, endpoint, attempts };
    }
  }

  /** Exponential backoff with jitter in the upper half, so retries spread but never come back at once. */
  backoff(attempt: number): number {
    const cap = Math.min(this.cfg.retries.maxMs, this.cfg.retries.baseMs * 2 ** (attempt - 1));
    return Math.round(cap / 2 + (this.random() * cap) / 2);
  }

  /**
   * One attempt; when it runs past what 99% of answers take and capacity is free, a
   * second copy goes out and the first useful answer wins (the other is aborted).
   * An attempt started before answer times were known is held to them once they are
   * (its own timers were set from the caps), so a hang at start-up is not waited out.
   */
  private async attemptHedged(
    req: ChatRequest,
    slot: Slot,
    signal?: AbortSignal,
  ): Promise<{ slot: Slot; r: Attempted; count: number }> {
    const first = this.start(req, slot, signal);
    const started = this.now();
    let settled: Attempted | null = null;
    void first.result.then((r) => (settled = r));
    while (settled === null) {
      const elapsed = this.now() - started;
      const hedgeAt = this.cfg.hedge === false ? null : slot.latency.hedgeAfterMs();
      if (elapsed >= slot.latency.limits().totalMs) {
        first.abort();
        await first.result;
        return {
          slot,
          r: {
            kind: 'error',
            errorKind: 'timeout',
            message: `${slot.client.label}: no complete answer within ${Math.round(elapsed / 1000)} s (10× the usual answer time)`,
            retryable: true,
          },
          count: 1,
        };
      }
      if (hedgeAt !== null && elapsed >= hedgeAt && !signal?.aborted) {
        const spare = this.waiters.length === 0 ? this.pick() : null;
        if (spare) return this.race(req, first, spare, signal);
      }
      const wake = hedgeAt !== null && elapsed < hedgeAt ? hedgeAt - elapsed : HEDGE_POLL_MS;
      let timer: NodeJS.Timeout | undefined;
      const tick = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.min(wake, HEDGE_POLL_MS))));
      await Promise.race([first.result, tick]);
      clearTimeout(timer);
    }
    return { slot, r: settled, count: 1 };
  }

  private async race(
    req: ChatRequest,
    first: Running,
    spare: Slot,
    signal?: AbortSignal,
  ): Promise<{ slot: Slot; r: Attempted; count: number }> {
    this.take(spare);
    this.opts.stats?.hedge();
    const second = this.start(req, spare, signal);
    const tagged = (run: Running) => run.result.then((r) => ({ run, r }));
    const one = await Promise.race([tagged(first), tagged(second)]);
    const other = one.run === first ? second : first;
    if (one.r.kind !== 'error' || !one.r.retryable) {
      other.abort();
      return { slot: one.run.slot, r: one.r, count: 2 };
    }
    return { slot: other.slot, r: await other.result, count: 2 };
  }

  /** Start one attempt on a taken slot; the slot is released when the attempt ends. */
  private start(req: ChatRequest, slot: Slot, signal?: AbortSignal): Running {
    const ac = new AbortController();
    const onAbort = () => ac.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) ac.abort();
    const run = async (): Promise<Attempted> => {
      let r: Attempted;
      try {
        r = await slot.client.attempt(req, ac.signal, slot.latency.limits());
      } finally {
        signal?.removeEventListener('abort', onAbort);
        this.release(slot);
      }
      const aborted = r.kind === 'error' && r.errorKind === 'aborted';
      // An attempt aborted because its twin answered (or it ran too long) is not a request the caller sees.
      if (!aborted || signal?.aborted) this.count(req, r);
      if (r.kind === 'ok') slot.latency.record(r.latencyMs, r.firstTokenMs);
      return r;
    };
    return { slot, result: run(), abort: () => ac.abort() };
  }

  private count(req: ChatRequest, r: Attempted): void {
    const stats = this.opts.stats;
    if (!stats) return;
    for (let i = 0; i < (r.refusedAttempts ?? 0); i++) stats.attempt('bad_request', null, req.model);
    stats.attempt(
      r.kind === 'error' ? r.errorKind : r.kind,
      r.kind === 'ok' ? r.usage : null,
      req.model || (r.kind === 'ok' ? r.model : ''),
    );
  }

  private succeeded(slot: Slot): void {
    slot.failures = 0;
    slot.restMs = this.cfg.rest.ms;
    slot.limit.answered();
    // An answer proves the endpoint is back: requests queued behind its rest go now.
    if (slot.restUntil > 0) {
      slot.restUntil = 0;
      for (const wake of [...this.waiters]) wake();
    }
    if (slot.rested) {
      slot.rested = false;
      this.opts.onEvent?.({ type: 'endpoint-restored', endpoint: slot.client.label });
    }
  }

  private failed(slot: Slot, r: Extract<AttemptResult, { kind: 'error' }>): void {
    if (r.errorKind === 'rate_limit') {
      // Slower, not closed: fewer requests at once on this endpoint; this request waits its Retry-After.
      const cut = slot.limit.rateLimited();
      if (cut !== null)
        this.opts.onEvent?.({ type: 'rate-limited', endpoint: slot.client.label, limit: cut, max: slot.limit.max });
      return;
    }
    const now = this.now();
    slot.failures++;
    if (slot.failures >= this.cfg.rest.afterFailures && slot.restUntil <= now) {
      slot.restUntil = now + slot.restMs;
      slot.rested = true;
      this.opts.onEvent?.({
        type: 'endpoint-rested',
        endpoint: slot.client.label,
        untilMs: slot.restUntil,
        reason: `${slot.failures} failures in a row (${r.errorKind})`,
      });
      slot.restMs = Math.min(MAX_REST_MS, slot.restMs * 2);
      slot.failures = 0;
    }
  }

  private pick(): Slot | null {
    if (this.inFlight >= this.cfg.concurrency) return null;
    const now = this.now();
    let best: Slot | null = null;
    let bestFree = 0;
    const n = this.slots.length;
    for (let i = 0; i < n; i++) {
      const s = this.slots[(this.rr + i) % n]!;
      if (s.restUntil > now) continue;
      const free = s.limit.current - s.inFlight;
      if (free > bestFree) {
        best = s;
        bestFree = free;
      }
    }
    this.rr = (this.rr + 1) % n;
    return best;
  }

  private take(slot: Slot): void {
    slot.inFlight++;
    this.inFlight++;
  }

  private async acquire(signal?: AbortSignal): Promise<Slot | null> {
    for (;;) {
      if (signal?.aborted) return null;
      const slot = this.pick();
      if (slot) {
        this.take(slot);
        return slot;
      }
      await this.wait(signal);
    }
  }

  /** Wait for a released slot, or for the end of the earliest rest when every free endpoint is resting. */
  private wait(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | null = null;
      const done = () => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        const i = this.waiters.indexOf(done);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve();
      };
      this.waiters.push(done);
      signal?.addEventListener('abort', done, { once: true });
      const now = this.now();
      const resting = this.slots.filter((s) => s.restUntil > now);
      if (resting.length > 0) {
        const soonest = Math.min(...resting.map((s) => s.restUntil));
        timer = setTimeout(done, Math.max(1, soonest - now));
      }
    });
  }

  private release(slot: Slot): void {
    slot.inFlight--;
    this.inFlight--;
    // A raised limit (answers after a 429 cut) can admit more than one waiter.
    this.waiters[0]?.();
  }

  /** Current load per endpoint, for status lines. */
  load(): Array<{ endpoint: string; inFlight: number; limit: number; resting: boolean }> {
    const now = this.now();
    return this.slots.map((s) => ({
      endpoint: s.client.label,
      inFlight: s.inFlight,
      limit: s.limit.current,
      resting: s.restUntil > now,
    }));
  }
}

function timeoutPolicy(cfg: SchedulerConfig, client: ProviderClient): TimeoutPolicy {
  const caps = client.caps;
  return {
    firstTokenCapMs: caps.firstTokenMs,
    totalCapMs: caps.totalMs,
    firstTokenFloorMs: Math.min(cfg.firstTokenFloorMs ?? 10_000, caps.firstTokenMs),
    totalFloorMs: Math.min(Math.max(cfg.firstTokenFloorMs ?? 10_000, 30_000), caps.totalMs),
    factor: 10,
    minSamples: 20,
    adaptive: cfg.adaptiveTimeouts ?? true,
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
