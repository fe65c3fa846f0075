/**
 * How many requests one endpoint gets at once, adapted AIMD-style: a rate-limit
 * reply cuts the limit (at most once per window, so one burst of 429s counts
 * once), every answer lets it grow back by about one slot per round of answers.
 * A 429 slows the endpoint down instead of closing it: the refused request waits
 * its own Retry-After, the others go on.
 */

export interface LimitOptions {
  max: number;
  /** Multiplied into the limit on a rate-limit reply. */
  decrease?: number;
  /** A cut at most this often. */
  windowMs?: number;
  now?: () => number;
}

export class AdaptiveLimit {
  private value: number;
  private lastCut = -Infinity;
  private readonly decrease: number;
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: LimitOptions) {
    this.value = opts.max;
    this.decrease = opts.decrease ?? 0.85;
    this.windowMs = opts.windowMs ?? 2_000;
    this.now = opts.now ?? Date.now;
  }

  /** Requests allowed in flight now. */
  get current(): number {
    return Math.max(1, Math.floor(this.value));
  }

  get max(): number {
    return this.opts.max;
  }

  answered(): void {
    if (this.value < this.opts.max) this.value = Math.min(this.opts.max, this.value + 1 / Math.max(1, this.value));
  }

  /** A rate-limit reply; returns the new limit when it was cut, null when this window already cut it. */
  rateLimited(): number | null {
    const now = this.now();
    if (now - this.lastCut < this.windowMs) return null;
    this.lastCut = now;
    this.value = Math.max(1, this.value * this.decrease);
    return this.current;
  }
}
