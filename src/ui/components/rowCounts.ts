import type { ProgressSnapshot } from '../../pipeline/index.js';
import { fmtNum } from '../../present/format.js';
import type { StepRow } from '../state/types.js';
import { countsLine } from './format.js';

/**
 * The counts a cell shows: live progress while the step runs here, what a
 * stopped step kept on disk, else the counts of its last finished run (those
 * of an earlier run would be false for a step that stopped or is running).
 */
export function rowCounts(row: StepRow, live: ProgressSnapshot | null): string {
  if (live) return `${fmtNum(live.done)}${live.total !== null ? `/${fmtNum(live.total)}` : ''}`;
  if (row.status === 'running' || row.status === 'interrupted' || row.status === 'failed')
    return row.kept && Object.keys(row.kept).length ? `kept ${countsLine(row.kept)}` : '';
  return countsLine(row.counts);
}
