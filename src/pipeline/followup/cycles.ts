import { CycleRecordSchema, type CycleRecord, type RunState } from '../schemas/state.js';
import type { IterationLedger } from '../steps/plan.js';
import { addedNames } from './apply.js';
import type { FollowupLogRow } from './schema.js';

/**
 * What one cycle did, counted from the log (not from in-memory counters) so a
 * cycle resumed after a kill still reports its whole work.
 * studies = studies that had questions; answered = replies that parsed
 * (applied or unchanged); asked also counts parse failures and failed
 * requests; dropped questions were never sent.
 */
export const CYCLE_COUNT_KEYS = [
  'studies',
  'asked',
  'answered',
  'changed',
  'added_entity',
  'added_no_entity',
  'parse_failures',
  'truncated',
  'filtered',
  'failed',
  'dropped',
] as const;
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

/**
 * Follow-up cycles wanted when the caller does not say (both front ends): the
 * method alternates follow-up and standardization, so at least one (docs/method.md §8).
 */
export const DEFAULT_CYCLES = 1;

/** Start (or reopen) a cycle's record in the run state. */
export function openCycle(state: RunState, cycle: number, now = new Date()): void {
  if (state.cycles.some((c) => c.cycle === cycle)) return;
  state.cycles.push(CycleRecordSchema.parse({ cycle, startedAt: now.toISOString() }));
  state.cycles.sort((a, b) => a.cycle - b.cycle);
}

export function setCycleCounts(state: RunState, cycle: number, counts: Record<string, number>): void {
  openCycle(state, cycle);
  const rec = state.cycles.find((c) => c.cycle === cycle)!;
  rec.counts = { ...counts };
}

/**
 * The follow-up half of a cycle is done once the runner recorded it, or its counts
 * are recorded (the step records them last; runs before `completed` existed have only those).
 */
export function followupDone(rec: StoredCycle | undefined): boolean {
  return (
    rec !== undefined && (rec.completed?.includes(FOLLOWUP_STEP_ID) === true || typeof rec.counts.asked === 'number')
  );
}

/** A cycle record as stored; `completed` is missing in records written before it existed. */
type StoredCycle = Omit<CycleRecord, 'completed'> & { completed?: readonly string[] };

const FOLLOWUP_STEP_ID = 'followup';

/** The cycles as the runner's repeat node sees them: `state.cycles`, one record per cycle. */
export const cycleLedger: IterationLedger = {
  iterations: (state) =>
    state.cycles.map((c) => ({
      index: c.cycle,
      finished: c.finishedAt !== null,
      completed:
        followupDone(c) && !c.completed.includes(FOLLOWUP_STEP_ID) ? [...c.completed, FOLLOWUP_STEP_ID] : c.completed,
      counts: c.counts,
    })),
  start: (state, index) => openCycle(state, index),
  complete(state, index, stepId) {
    openCycle(state, index);
    const rec = state.cycles.find((c) => c.cycle === index)!;
    if (!rec.completed.includes(stepId)) rec.completed.push(stepId);
  },
  finish(state, index) {
    const rec = state.cycles.find((c) => c.cycle === index);
    if (rec && rec.finishedAt === null) rec.finishedAt = new Date().toISOString();
  },
  clear(state) {
    state.cycles = [];
  },
};

export interface CycleHistoryRow {
  cycle: number;
  status: 'follow-up running' | 'follow-up interrupted' | 'follow-up failed' | 'awaiting standardize' | 'done';
  counts: Partial<CycleCounts>;
  startedAt: string;
  finishedAt: string | null;
}

/** The cycle history as rows for a table (the Ink app and `cxrvqa status`). */
export function cycleHistory(
  state: { cycles: readonly StoredCycle[] } & Partial<Pick<RunState, 'steps'>>,
): CycleHistoryRow[] {
  // An open cycle whose step was stopped or failed is not running: say so (it resumes on the next run).
  const stepStatus = state.steps?.followup?.status;
  const open: CycleHistoryRow['status'] =
    stepStatus === 'interrupted'
      ? 'follow-up interrupted'
      : stepStatus === 'failed'
        ? 'follow-up failed'
        : 'follow-up running';
  return state.cycles.map((c) => ({
    cycle: c.cycle,
    status: c.finishedAt ? 'done' : followupDone(c) ? 'awaiting standardize' : open,
    counts: c.counts as Partial<CycleCounts>,
    startedAt: c.startedAt,
    finishedAt: c.finishedAt,
  }));
}

/** The cycle table's count columns and their titles, shared by every view of the cycle history. */
export const CYCLE_COLUMNS: ReadonlyArray<readonly [keyof CycleCounts, string]> = [
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
  const header = ['cycle', ...CYCLE_COLUMNS.map(([, h]) => h), 'status'];
  const body = rows.map((r) => [
    String(r.cycle),
    ...CYCLE_COLUMNS.map(([k]) => (r.counts[k] === undefined ? '-' : String(r.counts[k]))),
    r.status,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padStart(widths[i]!))).join('  ');
  return [line(header), ...body.map(line)].join('\n');
}
