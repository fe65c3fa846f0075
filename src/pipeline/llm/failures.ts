import { UserError } from '../util/errors.js';

/**
 * A step whose LLM calls failed for more than this share of its items ends as failed,
 * with what it finished kept: a run with 40% failed rows is not "done".
 */
export const DEFAULT_MAX_FAILED = 0.01;

/** `--max-failed`: a share ("0.05") or a percentage ("5%"). */
export function parseMaxFailed(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(value);
  const share = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
  if (!Number.isFinite(share) || share < 0 || share > 1) {
    throw new UserError(`--max-failed expects a share of the items, like 1% or 0.01, got "${value}"`);
  }
  return share;
}

export interface FailedShare {
  label: string;
  failed: number;
  total: number;
  /** What the failures were, e.g. "12 failed, 3 cut off". */
  detail: string;
  maxFailed: number | undefined;
  /** The command that asks the failed items again. */
  rerun: string;
}

/** Throws (exit code 1: failed, results kept) when the failed share is above the limit. */
export function checkFailedShare(s: FailedShare): void {
  const limit = s.maxFailed ?? DEFAULT_MAX_FAILED;
  if (s.total === 0 || s.failed / s.total <= limit) return;
  const pct = (x: number) => `${(100 * x).toFixed(x < 0.1 ? 1 : 0)}%`;
  throw new UserError(
    `${s.label}: ${s.failed} of ${s.total} items failed (${pct(s.failed / s.total)}: ${s.detail}), above the ${pct(limit)} allowed; the other results are kept.`,
    `Ask the failed ones again with: ${s.rerun} (raise the limit with --max-failed).`,
    1,
  );
}
