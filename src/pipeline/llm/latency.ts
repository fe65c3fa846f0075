/**
 * Recent answer times of one endpoint, so the time a request may take follows what
 * the server actually does instead of a fixed 5-minute guess: a hung request is
 * given up (or hedged) after a multiple of what answers normally take.
 */

export interface AttemptLimits {
  /** Streamed: no first content for this long → the attempt is given up. */
  firstTokenMs: number;
  /** Streamed: no data for this long after the first → given up. */
  idleMs: number;
  /** The whole answer. */
  totalMs: number;
}

export interface TimeoutPolicy {
  /** Caps (the configured timeouts): limits never exceed them. */
  firstTokenCapMs: number;
  totalCapMs: number;
  /** Floors: limits never go below them, however fast answers have been. */
  firstTokenFloorMs: number;
  totalFloorMs: number;
  /** Limits are this many times the p95 seen so far. */
  factor: number;
  /** Answers needed before the limits adapt (before that, the caps apply). */
  minSamples: number;
  adaptive: boolean;
}

const WINDOW = 512;

class Window {
  private readonly values: number[] = [];
  private next = 0;
  private sorted: number[] | null = null;

  add(v: number): void {
    if (this.values.length < WINDOW) this.values.push(v);
    else this.values[this.next] = v;
    this.next = (this.next + 1) % WINDOW;
    this.sorted = null;
  }

  get size(): number {
    return this.values.length;
  }

  quantile(q: number): number {
    this.sorted ??= [...this.values].sort((a, b) => a - b);
    const s = this.sorted;
    return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
  }
}

export class LatencyTracker {
  private readonly firstToken = new Window();
  private readonly total = new Window();
  /** Limits and hedge delay, recomputed every REFRESH answers: sorting a window per request cost more than the request. */
  private cached: { limits: AttemptLimits; hedgeAfterMs: number | null } | null = null;
  private sinceRefresh = 0;

  constructor(private readonly policy: TimeoutPolicy) {}

  record(totalMs: number, firstTokenMs: number | null): void {
    this.total.add(totalMs);
    if (firstTokenMs !== null) this.firstToken.add(firstTokenMs);
    // Early answers refresh at once (the first limits matter most); later ones in batches.
    if (++this.sinceRefresh >= REFRESH || this.total.size <= this.policy.minSamples) this.cached = null;
  }

  /** The limits for the next attempt. */
  limits(): AttemptLimits {
    return this.current().limits;
  }

  /** When a request has run longer than most, a second copy may be sent (null: too few answers yet). */
  hedgeAfterMs(): number | null {
    return this.current().hedgeAfterMs;
  }

  private current(): { limits: AttemptLimits; hedgeAfterMs: number | null } {
    if (this.cached) return this.cached;
    this.sinceRefresh = 0;
    const p = this.policy;
    const caps = { firstTokenMs: p.firstTokenCapMs, idleMs: p.firstTokenCapMs, totalMs: p.totalCapMs };
    const known = this.total.size >= p.minSamples;
    const hedgeAfterMs = known ? this.total.quantile(0.99) : null;
    if (!p.adaptive) return (this.cached = { limits: caps, hedgeAfterMs });
    const first =
      this.firstToken.size >= p.minSamples
        ? clamp(p.factor * this.firstToken.quantile(0.95), p.firstTokenFloorMs, p.firstTokenCapMs)
        : caps.firstTokenMs;
    const total = known ? clamp(p.factor * this.total.quantile(0.95), p.totalFloorMs, p.totalCapMs) : caps.totalMs;
    return (this.cached = { limits: { firstTokenMs: first, idleMs: first, totalMs: total }, hedgeAfterMs });
  }
}

/** Answers between recomputations of the limits. */
const REFRESH = 32;

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}
