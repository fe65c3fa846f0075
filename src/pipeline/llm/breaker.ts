/**
 * Stops an LLM step when every endpoint is down for good, instead of failing (or
 * waiting on) every remaining item. It counts requests that still failed after the
 * scheduler's retries; any answer (even a refusal or unparseable text) resets it.
 * It trips on a long run of such failures, or on a shorter run when no request has
 * been answered for `quietMs` (a few slow failures are then enough to tell).
 */

export interface BreakerOptions {
  /** Failures in a row that always trip it. */
  inRow: number;
  /** With at least `minInRow` failures in a row and no answer for this long, it trips. */
  quietMs: number;
  minInRow?: number;
  now?: () => number;
}

export class CircuitBreaker {
  private failures = 0;
  private lastAnswer: number;
  private readonly now: () => number;

  constructor(private readonly opts: BreakerOptions) {
    this.now = opts.now ?? Date.now;
    this.lastAnswer = this.now();
  }

  answered(): void {
    this.failures = 0;
    this.lastAnswer = this.now();
  }

  /** One request failed after its retries; returns why the breaker tripped, or null. */
  failed(message: string): string | null {
    this.failures++;
    const quiet = this.now() - this.lastAnswer;
    const tripped =
      this.failures >= this.opts.inRow || (this.failures >= (this.opts.minInRow ?? 3) && quiet >= this.opts.quietMs);
    if (!tripped) return null;
    return `${this.failures} requests in a row failed after retries and nothing was answered for ${Math.round(quiet / 1000)} s (last: ${message}); the endpoints seem to be down.`;
  }
}
