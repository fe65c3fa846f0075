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
  if (row.status === 'running' || row.status === 'interrupted' || row.status === 'failed') return keptLine(row);
  return countsLine(row.counts);
}

/**
 * What a stopped step kept on disk: "kept reports=23,456 of 50,000" (the total is the step's last
 * reported one, shown when it kept one kind of record); '' when it kept nothing.
 */
export function keptLine(row: Pick<StepRow, 'kept' | 'total'>): string {
  const kinds = row.kept ? Object.keys(row.kept).length : 0;
  if (!row.kept || kinds === 0) return '';
  const of = kinds === 1 && typeof row.total === 'number' ? ` of ${fmtNum(row.total)}` : '';
  return `kept ${countsLine(row.kept)}${of}`;
}
