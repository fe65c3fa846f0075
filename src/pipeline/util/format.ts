/** Numbers as every view prints them (terminal tables, the run report, line logs); null reads '-'. */
export const fmtNum = (n: number | null | undefined): string =>
  n === null || n === undefined ? '-' : n.toLocaleString('en-US');
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
