import type { LlmProfile } from './config.js';
import type { AttemptResult, EndpointClient } from './endpoint.js';
import { requestKey } from './key.js';
import type { LlmStats } from './accounting.js';
import type { ChatRequest, CompleteOptions, CompletionResult, LlmClient, LlmEvent } from './types.js';

const MAX_REST_MS = 10 * 60_000;

interface Slot {
  client: EndpointClient;
  inFlight: number;
  failures: number;
  restUntil: number;
  restMs: number;
  rested: boolean;
}

export interface SchedulerOptions {
  stats?: LlmStats;
  onEvent?: (e: LlmEvent) => void;
  random?: () => number;
  now?: () => number;
}

/**
 * Spreads requests over the endpoints of one model by free capacity and owns
 * the retry policy (the SDK is built with maxRetries 0, so attempts never stack).
 * A caller waits only for a free slot, never for other requests to finish.
 */
export class Scheduler implements LlmClient {
  private readonly slots: Slot[];
  private inFlight = 0;
  private readonly waiters: Array<() => void> = [];
  private rr = 0;
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(
    clients: readonly EndpointClient[],
    private readonly cfg: Pick<LlmProfile, 'concurrency' | 'retries' | 'rest'>,
    private readonly opts: SchedulerOptions = {},
  ) {
    this.slots = clients.map((client) => ({ client, inFlight: 0, failures: 0, restUntil: 0, restMs: cfg.rest.ms, rested: false }));
    this.random = opts.random ?? Math.random;
    this.now = opts.now ?? Date.now;
  }

  async complete(req: ChatRequest, options: CompleteOptions = {}): Promise<CompletionResult> {
    const { signal } = options;
    const key = requestKey(req);
    if (this.slots.length === 0) return { kind: 'error', errorKind: 'no_endpoint', message: 'no LLM endpoint configured', retryable: false, key, endpoint: '', attempts: 0 };
    let attempts = 0;
    for (;;) {
      const slot = await this.acquire(signal);
      if (!slot) return { kind: 'error', errorKind: 'aborted', message: 'aborted', retryable: false, key, endpoint: '', attempts };
      attempts++;
      let r: AttemptResult;
      try {
        r = await slot.client.attempt(req, signal);
      } finally {
        this.release(slot);
      }
      const endpoint = slot.client.label;
      const model = r.kind === 'ok' ? r.model : req.model;
      this.opts.stats?.attempt(r.kind === 'error' ? r.errorKind : r.kind, r.kind === 'ok' ? r.usage : null, req.model || model);
      if (r.kind === 'ok') {
        this.succeeded(slot);
        return { ...r, key, endpoint, cached: false, attempts };
      }
      if (r.kind === 'filtered') {
        this.succeeded(slot);
        return { kind: 'filtered', reason: r.reason, key, endpoint, attempts };
      }
      if (r.errorKind === 'aborted' || signal?.aborted) return { ...r, errorKind: 'aborted', retryable: false, key, endpoint, attempts };
      if (r.retryable) this.failed(slot, r);
      if (!r.retryable || attempts > this.cfg.retries.max) return { ...r, key, endpoint, attempts };
      const delay = Math.max(this.backoff(attempts), r.retryAfterMs ?? 0);
      this.opts.stats?.retry();
      this.opts.onEvent?.({ type: 'retry', tag: req.tag, endpoint, attempt: attempts, delayMs: delay, errorKind: r.errorKind, message: r.message });
      if (!(await sleep(delay, signal))) return { kind: 'error', errorKind: 'aborted', message: 'aborted', retryable: false, key, endpoint, attempts };
    }
  }

  /** Exponential backoff with jitter in the upper half, so retries spread but never come back at once. */
  backoff(attempt: number): number {
    const cap = Math.min(this.cfg.retries.maxMs, this.cfg.retries.baseMs * 2 ** (attempt - 1));
    return Math.round(cap / 2 + (this.random() * cap) / 2);
  }

  private succeeded(slot: Slot): void {
    slot.failures = 0;
    slot.restMs = this.cfg.rest.ms;
    if (slot.rested) {
      slot.rested = false;
      this.opts.onEvent?.({ type: 'endpoint-restored', endpoint: slot.client.label });
    }
  }

  private failed(slot: Slot, r: Extract<AttemptResult, { kind: 'error' }>): void {
    const now = this.now();
    if (r.errorKind === 'rate_limit') {
      // The server said when to come back: nobody uses this endpoint before then.
      const until = now + (r.retryAfterMs ?? this.backoff(1));
      if (until > slot.restUntil) {
        slot.restUntil = until;
        slot.rested = true;
        this.opts.onEvent?.({ type: 'endpoint-rested', endpoint: slot.client.label, untilMs: until, reason: 'rate limited (429)' });
      }
      return;
    }
    slot.failures++;
    if (slot.failures >= this.cfg.rest.afterFailures && slot.restUntil <= now) {
      slot.restUntil = now + slot.restMs;
      slot.rested = true;
      this.opts.onEvent?.({ type: 'endpoint-rested', endpoint: slot.client.label, untilMs: slot.restUntil, reason: `${slot.failures} failures in a row (${r.errorKind})` });
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
      const free = s.client.maxConcurrency - s.inFlight;
      if (free > bestFree) {
        best = s;
        bestFree = free;
      }
    }
    this.rr = (this.rr + 1) % n;
    return best;
  }

  private async acquire(signal?: AbortSignal): Promise<Slot | null> {
    for (;;) {
      if (signal?.aborted) return null;
      const slot = this.pick();
      if (slot) {
        slot.inFlight++;
        this.inFlight++;
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
    this.waiters[0]?.();
  }

  /** Current load per endpoint, for status lines. */
  load(): Array<{ endpoint: string; inFlight: number; resting: boolean }> {
    const now = this.now();
    return this.slots.map((s) => ({ endpoint: s.client.label, inFlight: s.inFlight, resting: s.restUntil > now }));
  }
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

/**
 * Continuous worker pool: `concurrency` workers pull from one iterator, so a new
 * item starts the moment one finishes (no batch barrier). Stops pulling when the
 * signal fires; items already started run to their own end.
 */
export async function runPool<T>(items: Iterable<T> | AsyncIterable<T>, concurrency: number, fn: (item: T) => Promise<void>, signal?: AbortSignal): Promise<void> {
  const it = Symbol.asyncIterator in (items as object) ? (items as AsyncIterable<T>)[Symbol.asyncIterator]() : (items as Iterable<T>)[Symbol.iterator]();
  let failed: unknown = null;
  const worker = async () => {
    while (!signal?.aborted && failed === null) {
      const next = await it.next();
      if (next.done) return;
      try {
        await fn(next.value);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  if (failed !== null) throw failed;
}
