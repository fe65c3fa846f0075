import type { CycleRecord, RunState } from '../schemas/state.js';
import { addedNames } from './apply.js';
import type { FollowupLogRow } from './schema.js';

/**
 * What one cycle did, counted from the log (not from in-memory counters) so a
 * cycle resumed after a kill still reports its whole work.
 * studies = studies that had questions; answered = replies that parsed
 * (applied or unchanged); asked also counts parse failures and failed
 * requests; dropped questions were never sent.
 */
export const CYCLE_COUNT_KEYS = ['studies', 'asked', 'answered', 'changed', 'added_entity', 'added_no_entity', 'parse_failures', 'truncated', 'filtered', 'failed', 'dropped'] as const;
export type CycleCounts = Record<(typeof CYCLE_COUNT_KEYS)[number], number>;

export class CycleCounter {
  private readonly c: CycleCounts = Object.fromEntries(CYCLE_COUNT_KEYS.map((k) => [k, 0])) as CycleCounts;
  private readonly changed = new Set<string>();

  addLog(r: FollowupLogRow): void {
    switch (r.status) {
      case 'dropped':
        this.c.dropped++;
        return;
      case 'failed':
      case 'runaway':
        this.c.asked++;
        this.c.failed++;
        return;
      case 'truncated':
        this.c.asked++;
        this.c.truncated++;
        return;
      case 'filtered':
        this.c.asked++;
        this.c.filtered++;
        return;
      case 'parse_error':
        this.c.asked++;
        this.c.parse_failures++;
        return;
      case 'unchanged':
        this.c.asked++;
        this.c.answered++;
        return;
      case 'applied':
        this.c.asked++;
        this.c.answered++;
        this.changed.add(r.study_id);
        this.c.added_entity += addedNames(r.before, r.after, 'entity').length;
        this.c.added_no_entity += addedNames(r.before, r.after, 'no_entity').length;
        return;
    }
  }

  addStudy(): void {
    this.c.studies++;
  }

  result(): CycleCounts {
    return { ...this.c, changed: this.changed.size };
  }
}

/** Start (or reopen) a cycle's record in the run state. */
export function openCycle(state: RunState, cycle: number, now = new Date()): void {
  if (state.cycles.some((c) => c.cycle === cycle)) return;
  state.cycles.push({ cycle, startedAt: now.toISOString(), finishedAt: null, counts: {} });
  state.cycles.sort((a, b) => a.cycle - b.cycle);
}

export function setCycleCounts(state: RunState, cycle: number, counts: Record<string, number>): void {
  openCycle(state, cycle);
  const rec = state.cycles.find((c) => c.cycle === cycle)!;
  rec.counts = { ...counts };
}

/** The follow-up half of a cycle is done once its counts are recorded (the step records them last). */
export function followupDone(rec: CycleRecord | undefined): boolean {
  return rec !== undefined && typeof rec.counts.asked === 'number';
}

export interface CycleHistoryRow {
  cycle: number;
  status: 'follow-up running' | 'follow-up interrupted' | 'follow-up failed' | 'awaiting standardize' | 'done';
  counts: Partial<CycleCounts>;
  startedAt: string;
  finishedAt: string | null;
}

/** The cycle history as rows for a table (the Ink app and `cxrvqa status`). */
export function cycleHistory(state: Pick<RunState, 'cycles'> & Partial<Pick<RunState, 'steps'>>): CycleHistoryRow[] {
  // An open cycle whose step was stopped or failed is not running: say so (it resumes on the next run).
  const stepStatus = state.steps?.followup?.status;
  const open: CycleHistoryRow['status'] = stepStatus === 'interrupted' ? 'follow-up interrupted' : stepStatus === 'failed' ? 'follow-up failed' : 'follow-up running';
  return state.cycles.map((c) => ({
    cycle: c.cycle,
    status: c.finishedAt ? 'done' : followupDone(c) ? 'awaiting standardize' : open,
    counts: c.counts as Partial<CycleCounts>,
    startedAt: c.startedAt,
    finishedAt: c.finishedAt,
  }));
}

const COLUMNS: Array<[keyof CycleCounts, string]> = [
  ['asked', 'asked'],
  ['answered', 'answered'],
  ['changed', 'changed'],
  ['added_entity', '+entity'],
  ['added_no_entity', '+no_entity'],
  ['parse_failures', 'parse fail'],
  ['failed', 'failed'],
  ['dropped', 'dropped'],
];

/** Plain-text table of the cycle history (fixed-width columns). */
export function formatCycleTable(rows: readonly CycleHistoryRow[]): string {
  if (rows.length === 0) return 'no follow-up cycles yet';
  const header = ['cycle', ...COLUMNS.map(([, h]) => h), 'status'];
  const body = rows.map((r) => [String(r.cycle), ...COLUMNS.map(([k]) => (r.counts[k] === undefined ? '-' : String(r.counts[k]))), r.status]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padStart(widths[i]!))).join('  ');
  return [line(header), ...body.map(line)].join('\n');
}
