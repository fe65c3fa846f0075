/** Numbers as every view prints them (terminal tables, the run report, line logs); null reads '-'. */
export const fmtNum = (n: number | null | undefined): string =>
  n === null || n === undefined ? '-' : n.toLocaleString('en-US');
/** `1h05m`, `3m07s`, `42s`; `--` when unknown: the one duration format (terminal, line logs, report). */
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

export const fmtPct = (x: number | null | undefined): string =>
  x === null || x === undefined ? '-' : `${(100 * x).toFixed(1)}%`;

/**
 * A spend in USD, or null when nothing was priced: no price configured means
 * an unknown cost, not a free one. Small sums keep enough digits to be seen.
 */
export function formatCost(costUsd: number): string | null {
  if (!(costUsd > 0)) return null;
  return `$${costUsd < 1 ? costUsd.toFixed(4) : costUsd.toFixed(2)}`;
}

/** A step's LLM spend (`status`, the report): null when it sent nothing. */
export function formatUsage(u: { tokensIn: number; tokensOut: number; costUsd: number } | undefined): string | null {
  if (!u || (u.tokensIn === 0 && u.tokensOut === 0)) return null;
  return `tokens ${fmtNum(u.tokensIn)} in / ${fmtNum(u.tokensOut)} out, ${formatCost(u.costUsd) ?? 'cost unknown (no price set)'}`;
}
