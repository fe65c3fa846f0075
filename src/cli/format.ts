import { fmtNum } from '../pipeline/util/format.js';
import type { ProgressSnapshot } from '../pipeline/steps/contract.js';

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

/** Counts as every view prints them. */
export const formatCount = (n: number): string => fmtNum(n);

export function formatProgressLine(p: ProgressSnapshot): string {
  const total = p.total === null ? '?' : formatCount(p.total);
  const pct = p.total ? ` ${((100 * p.done) / p.total).toFixed(1)}%` : '';
  const counters = Object.entries(p.counters)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k}=${formatCount(v)}`)
    .join(' ');
  // No price configured means an unknown cost, not a free one: print a cost only when there is one.
  const cost = p.costUsd > 0 ? ` $${p.costUsd < 1 ? p.costUsd.toFixed(4) : p.costUsd.toFixed(2)}` : '';
  const tokens = p.tokensIn || p.tokensOut ? ` tokens ${formatCount(p.tokensIn)}/${formatCount(p.tokensOut)}${cost}` : '';
  return `${formatCount(p.done)}/${total}${pct} ${p.rate.toFixed(1)}/s eta ${formatDuration(p.etaSeconds)}${tokens}${counters ? ' ' + counters : ''}`;
}
