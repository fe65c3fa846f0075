import type { ProgressSnapshot } from '../pipeline/index.js';
import { fmtNum, fmtPct, formatCost, formatDuration, formatRate } from './format.js';

/** A progress snapshot as display cells: the headless log joins them into a line, the app wraps them in `<Text>`. */
export interface ProgressView {
  bar: string;
  done: string;
  /** `?` while the total is unknown. */
  total: string;
  /** `12.5%`, or '' while the total is unknown. */
  percent: string;
  rate: string;
  eta: string;
  elapsed: string;
  /** Non-zero outcome counters, `failed=3`. */
  counters: string[];
  tokens: { in: string; out: string } | null;
  /** Spend so far, or null when it cannot be known (no price configured). */
  cost: string | null;
}

export interface DescribeOptions {
  /** Width of the bar in cells (0: no bar). */
  barWidth?: number;
  /** False when the step ended short of done: an ETA would be meaningless. */
  etaKnown?: boolean;
  /** Seconds elapsed, when the caller advances the clock between snapshots. */
  elapsedSeconds?: number;
}

export function progressBar(done: number, total: number | null, width: number): string {
  if (width <= 0) return '';
  if (!total) return '░'.repeat(width);
  const filled = Math.max(0, Math.min(width, Math.round((done / total) * width)));
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

export function describeProgress(p: ProgressSnapshot | null, opts: DescribeOptions = {}): ProgressView {
  const done = p?.done ?? 0;
  const total = p?.total ?? null;
  const used = p && (p.tokensIn || p.tokensOut);
  return {
    bar: progressBar(done, total, opts.barWidth ?? 0),
    done: fmtNum(done),
    total: total === null ? '?' : fmtNum(total),
    percent: total ? fmtPct(done / total) : '',
    rate: formatRate(p?.rate ?? 0),
    eta: formatDuration(opts.etaKnown === false ? null : (p?.etaSeconds ?? null)),
    elapsed: formatDuration(opts.elapsedSeconds ?? p?.elapsedSeconds ?? 0),
    counters: p
      ? Object.entries(p.counters)
          .filter(([, v]) => v > 0)
          .map(([k, v]) => `${k}=${fmtNum(v)}`)
      : [],
    tokens: used ? { in: fmtNum(p.tokensIn), out: fmtNum(p.tokensOut) } : null,
    cost: p ? formatCost(p.costUsd) : null,
  };
}

/** One plain line for logs: `500/1,000 50.0% 12.5/s eta 40s tokens 1,200/300 $0.0042 failed=2`. */
export function progressLine(p: ProgressSnapshot): string {
  const v = describeProgress(p);
  const tokens = v.tokens ? ` tokens ${v.tokens.in}/${v.tokens.out}${v.cost ? ' ' + v.cost : ''}` : '';
  return `${v.done}/${v.total}${v.percent ? ' ' + v.percent : ''} ${v.rate}/s eta ${v.eta}${tokens}${v.counters.length ? ' ' + v.counters.join(' ') : ''}`;
}
