import { fmtNum, fmtPct, formatCost, formatDuration, formatUsage } from '../pipeline/index.js';

/** The one number, share, cost and spend formatters (terminal tables, the run report, line logs and the app). */
export { fmtNum, fmtPct, formatCost, formatDuration, formatUsage };

/** Items per second: one decimal when slow, whole numbers with separators when fast. */
export function formatRate(rate: number): string {
  return rate >= 100 ? fmtNum(Math.round(rate)) : rate.toFixed(1);
}

/** What every view says when a cost cannot be known, and how to make it known. */
export const UNKNOWN_COST = 'cost unknown (no price set: cxrvqa llm set --price MODEL=IN,OUT)';

/** A share in [0, 1] as a percentage; an em dash when there is nothing to divide. */
export function formatAccuracy(share: number | null): string {
  return share === null ? '—' : fmtPct(share);
}

/** Configured prices for `llm show`; with none, say what the progress views will show instead of a cost. */
export function formatPrices(prices: Readonly<Record<string, { input: number; output: number }>>): string {
  const listed = Object.entries(prices).map(([model, p]) => `${model} ${p.input}/${p.output}`);
  return listed.length ? listed.join(', ') : 'none (cost shows as unknown, not $0)';
}
