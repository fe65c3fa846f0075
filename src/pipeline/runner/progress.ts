import type { ProgressSnapshot, StepEvent } from '../steps/contract.js';

/**
 * Folds step events into a progress snapshot with rate and ETA. The rate is
 * measured over a sliding window so it follows the current speed, not the average
 * since start (a resumed run starts fast on skipped items).
 */
export class ProgressTracker {
  private readonly startedAt: number;
  private readonly samples: Array<{ t: number; done: number }> = [];
  private snap: ProgressSnapshot;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly windowMs = 10_000,
    /**
     * A resumed step's first progress counts the items done before it started,
     * so the average since start would be absurd (hundreds per second, ETA 0):
     * the rate stays unknown until a second sample.
     */
    private readonly resumed = false,
  ) {
    this.startedAt = now();
    this.snap = {
      done: 0,
      total: null,
      rate: 0,
      etaSeconds: null,
      elapsedSeconds: 0,
      counters: {},
      tokensIn: 0,
      tokensOut: 0,
      costUsd: 0,
    };
  }

  apply(event: StepEvent): ProgressSnapshot {
    const t = this.now();
    const s = this.snap;
    switch (event.type) {
      case 'progress': {
        s.done = event.done;
        s.total = event.total;
        if (event.counters) s.counters = { ...s.counters, ...event.counters };
        this.samples.push({ t, done: event.done });
        while (this.samples.length > 2 && t - this.samples[0]!.t > this.windowMs) this.samples.shift();
        // With one sample in the window, fall back to the average since the step started (fresh runs only).
        const first = this.samples.length > 1 ? this.samples[0]! : this.resumed ? null : { t: this.startedAt, done: 0 };
        const dt = first ? (t - first.t) / 1000 : 0;
        s.rate = first && dt > 0 ? (event.done - first.done) / dt : 0;
        s.etaSeconds = s.total !== null && s.rate > 0 ? Math.max(0, (s.total - s.done) / s.rate) : null;
        break;
      }
      case 'usage':
        s.tokensIn += event.tokensIn;
        s.tokensOut += event.tokensOut;
        s.costUsd += event.costUsd;
        break;
      case 'item':
        if (event.outcome !== 'ok') s.counters[event.outcome] = (s.counters[event.outcome] ?? 0) + 1;
        break;
      case 'log':
      case 'metric':
        break;
      default: {
        const never: never = event;
        throw new Error(`unknown event ${String(never)}`);
      }
    }
    s.elapsedSeconds = (t - this.startedAt) / 1000;
    return { ...s, counters: { ...s.counters } };
  }

  get snapshot(): ProgressSnapshot {
    return { ...this.snap, counters: { ...this.snap.counters } };
  }
}
