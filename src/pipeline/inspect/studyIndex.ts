import type { FollowupLogRow, FollowupRow } from '../followup/schema.js';
import type { QaPair } from '../questions/schema.js';
import type { ExtractionResult } from '../schemas/extraction.js';
import type { ReferenceRecord } from '../schemas/reference.js';
import type { ReportRecord } from '../schemas/report.js';
import type { ChangeLogRow } from '../standardize/changes.js';
import type { StandardizedRow } from '../standardize/input.js';
import type { Run } from '../store/run.js';
import { fromKeyInfo, fromReference, stageFingerprint, type Finding } from './findings.js';
import { readAt, scanJsonl, type LineLoc } from './scan.js';

/** The row each inspected artifact holds, as its producing step declares it. */
export interface InspectedRows {
  reports: ReportRecord;
  reference: ReferenceRecord;
  raw: ExtractionResult;
  standardized: StandardizedRow;
  'std-changes': ChangeLogRow;
  followup: FollowupRow;
  'followup-log': FollowupLogRow;
  questions: QaPair;
}
export type Inspected = keyof InspectedRows;

/**
 * A row as read back: the producer's field names (a rename fails to compile
 * here), but every value checked before use, since older or partial runs drift.
 */
export type LooseRow<K extends Inspected> = { readonly [F in keyof InspectedRows[K]]?: unknown };

/** Artifacts the inspector reads, in scan order; any of them may be missing ("not run yet"). */
export const INSPECTED = [
  'reports',
  'reference',
  'raw',
  'standardized',
  'std-changes',
  'followup',
  'followup-log',
  'questions',
] as const satisfies readonly Inspected[];
// Every artifact in InspectedRows is scanned: adding one without listing it fails here.
type Unlisted = Exclude<Inspected, (typeof INSPECTED)[number]>;
const everyArtifactListed: Unlisted extends never ? true : never = true;
void everyArtifactListed;

export interface StudySummary {
  id: string;
  /** Finding names from any stage, newline-separated (one string per study keeps 227k studies small). */
  names: string;
  parseFailed: boolean;
  changedCycles: number[];
  disagrees: boolean;
}

const addName = (s: StudySummary, name: string) => {
  if (!s.names.split('\n').includes(name)) s.names = s.names ? `${s.names}\n${name}` : name;
};
/** Finding names of a summary, in first-seen order. */
export const summaryNames = (s: StudySummary): string[] => (s.names ? s.names.split('\n') : []);

export type StudyFilter =
  { kind: 'all' } | { kind: 'changed'; cycle: number | null } | { kind: 'disagrees' } | { kind: 'parse-failed' };

export interface Stage {
  label: string;
  findings: Finding[] | null;
  note: string;
}

export interface StudyDetail {
  id: string;
  report: Record<string, unknown> | null;
  reference: Record<string, unknown> | null;
  stages: Stage[];
  questions: Array<Record<string, unknown>>;
  changes: Array<Record<string, unknown>>;
  /** Follow-up questions asked about this study (artifact `followup-log`), oldest first. */
  followupLog: Array<Record<string, unknown>>;
  /** Every `raw` line of this study, oldest first (the last one is the current extraction). */
  extractions: Array<Record<string, unknown>>;
}

/**
 * What the scan keeps across artifacts: fingerprints, not finding lists (kept for every
 * study until the end). The study view shows one stage for the last reference line, one
 * for the last `raw` line and one per standardized and follow-up row; a study shows `≠`
 * exactly when those stages do not all have the same fingerprint.
 */
interface ScanState {
  /** Last reference / raw line's fingerprint; null when that stage shows no findings ("n/a"). */
  refSig: Map<string, string | null>;
  rawSig: Map<string, string | null>;
  /** The first standardized or follow-up stage's fingerprint, and the studies where a later one differs. */
  laterSig: Map<string, string>;
  laterDiffers: Set<string>;
  cycles: Set<number>;
}

function addLaterStage(scan: ScanState, id: string, sig: string): void {
  const first = scan.laterSig.get(id);
  if (first === undefined) scan.laterSig.set(id, sig);
  else if (first !== sig) scan.laterDiffers.add(id);
}

/** Whether the stages the study view shows for this study differ anywhere (a `≠` on some row). */
function stagesDiffer(scan: ScanState, id: string): boolean {
  if (scan.laterDiffers.has(id)) return true;
  const sigs = new Set<string>();
  for (const sig of [scan.refSig.get(id), scan.rawSig.get(id), scan.laterSig.get(id)])
    if (sig !== null && sig !== undefined) sigs.add(sig);
  return sigs.size > 1;
}

/** How one artifact feeds the per-study summary; `idOnly` artifacts are only located, never parsed in the scan. */
interface StageReader<K extends Inspected> {
  idOnly: boolean;
  // Method syntax on purpose: the scan calls every reader through the common `StageReader<Inspected>`.
  summarize?(rec: LooseRow<K>, s: StudySummary, scan: ScanState): void;
}

const cycleOf = (rec: { cycle?: unknown }): number => (typeof rec.cycle === 'number' ? rec.cycle : 0);
const markChanged = (s: StudySummary, cycle: number) => {
  if (!s.changedCycles.includes(cycle)) s.changedCycles.push(cycle);
};

const READERS: { [K in Inspected]: StageReader<K> } = {
  reports: { idOnly: true },
  reference: {
    idOnly: false,
    summarize: (rec, s, scan) => {
      const f = fromReference(rec);
      scan.refSig.set(s.id, stageFingerprint(f));
      f.forEach((x) => addName(s, x.name));
    },
  },
  raw: {
    idOnly: false,
    summarize: (rec, s, scan) => {
      s.parseFailed = rec.status === 'parse_error' || rec.status === 'failed';
      const f = fromKeyInfo(rec.keyinfo);
      f.forEach((x) => addName(s, x.name));
      // The study view shows the last line; a line without KeyInfo shows as "n/a", not as "no findings".
      scan.rawSig.set(s.id, rec.keyinfo ? stageFingerprint(f) : null);
    },
  },
  standardized: {
    idOnly: false,
    summarize: (rec, s, scan) => {
      const f = fromKeyInfo(rec.keyinfo);
      f.forEach((x) => addName(s, x.name));
      addLaterStage(scan, s.id, stageFingerprint(f));
    },
  },
  'std-changes': {
    idOnly: false,
    summarize: (rec, s, scan) => {
      const cycle = cycleOf(rec);
      scan.cycles.add(cycle);
      if (Array.isArray(rec.changes) && rec.changes.length > 0) markChanged(s, cycle);
    },
  },
  followup: {
    idOnly: false,
    // An answer that changed the record is the main change of a cycle, not only standardization's.
    summarize: (rec, s, scan) => {
      const cycle = cycleOf(rec);
      scan.cycles.add(cycle);
      if (typeof rec.applied === 'number' && rec.applied > 0) markChanged(s, cycle);
      if (rec.keyinfo) addLaterStage(scan, s.id, stageFingerprint(fromKeyInfo(rec.keyinfo)));
    },
  },
  'followup-log': { idOnly: true },
  questions: { idOnly: true },
};

/**
 * One streaming pass over each artifact builds a compact per-study summary and
 * the byte location of every line, so opening a report reads only its lines.
 */
export class StudyIndex {
  private constructor(
    private readonly run: Run,
    readonly order: string[],
    readonly summaries: Map<string, StudySummary>,
    /** Per artifact and study: [offset, length, offset, length, …] of its lines (flat: fewer objects at 227k studies). */
    private readonly locs: Map<Inspected, Map<string, number[]>>,
    readonly present: Set<Inspected>,
    readonly cycles: number[],
  ) {}

  static async build(run: Run): Promise<StudyIndex> {
    const order: string[] = [];
    const summaries = new Map<string, StudySummary>();
    const locs = new Map<Inspected, Map<string, number[]>>();
    const present = new Set<Inspected>();
    const cycles = new Set<number>();
    const summary = (id: string): StudySummary => {
      let s = summaries.get(id);
      if (!s) {
        s = { id, names: '', parseFailed: false, changedCycles: [], disagrees: false };
        summaries.set(id, s);
        order.push(id);
      }
      return s;
    };
    const scan: ScanState = {
      refSig: new Map(),
      rawSig: new Map(),
      laterSig: new Map(),
      laterDiffers: new Set(),
      cycles,
    };
    for (const name of INSPECTED) {
      const byStudy = new Map<string, number[]>();
      locs.set(name, byStudy);
      const reader: StageReader<Inspected> = READERS[name];
      await scanJsonl(
        run.artifactPath(name),
        (rec, loc) => {
          const id = typeof rec.study_id === 'string' ? rec.study_id : null;
          if (!id) return;
          present.add(name);
          const list = byStudy.get(id);
          if (list) list.push(loc[0], loc[1]);
          else byStudy.set(id, [loc[0], loc[1]]);
          reader.summarize?.(rec, summary(id), scan);
        },
        { idOnly: reader.idOnly },
      );
    }
    for (const s of summaries.values()) if (s.changedCycles.length > 1) s.changedCycles.sort((a, b) => a - b);
    for (const s of summaries.values()) s.disagrees = stagesDiffer(scan, s.id);
    return new StudyIndex(
      run,
      order,
      summaries,
      locs,
      present,
      [...cycles].sort((a, b) => a - b),
    );
  }

  /**
   * Study ids matching a query and a filter: the id starts with the query (a leading `s`
   * may be typed before MIMIC's bare numeric ids), or a finding name contains it.
   */
  search(query: string, filter: StudyFilter): string[] {
    const q = query.trim().toLowerCase();
    const bare = /^s\d/.test(q) ? q.slice(1) : null;
    const out: string[] = [];
    for (const id of this.order) {
      const s = this.summaries.get(id)!;
      if (!matchesFilter(s, filter)) continue;
      const lower = id.toLowerCase();
      const idMatch = lower.startsWith(q) || (bare !== null && lower.startsWith(bare));
      if (q && !idMatch && !s.names.includes(q)) continue;
      out.push(id);
    }
    return out;
  }

  has(id: string): boolean {
    return this.summaries.has(id);
  }

  private lines<K extends Inspected>(name: K, id: string): Array<LooseRow<K>> {
    const flat = this.locs.get(name)?.get(id) ?? [];
    const locs: LineLoc[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) locs.push([flat[i]!, flat[i + 1]!]);
    return readAt(this.run.artifactPath(name), locs);
  }

  load(id: string): StudyDetail {
    const report = this.lines('reports', id).at(-1) ?? null;
    const reference = this.lines('reference', id).at(-1) ?? null;
    const stages: Stage[] = [];
    if (this.present.has('reference'))
      stages.push({
        label: 'rules',
        findings: reference ? fromReference(reference) : null,
        note: reference ? '' : 'no record',
      });
    const extractions = this.lines('raw', id);
    if (this.present.has('raw')) {
      const raw = extractions.at(-1);
      stages.push({
        label: 'llm raw',
        findings: raw && raw.keyinfo ? fromKeyInfo(raw.keyinfo) : null,
        note: raw ? `${String(raw.status)}${raw.reason ? ': ' + String(raw.reason) : ''}` : 'no record',
      });
    }
    // Follow-up and standardized rows interleave by cycle: fu c1 sits before std c1.
    const timeline: Array<{ cycle: number; order: number; stage: Stage }> = [];
    for (const rec of this.lines('standardized', id)) {
      const cycle = cycleOf(rec);
      timeline.push({
        cycle,
        order: 1,
        stage: { label: `std c${cycle}`, findings: fromKeyInfo(rec.keyinfo), note: String(rec.source ?? '') },
      });
    }
    for (const rec of this.lines('followup', id)) {
      const cycle = cycleOf(rec);
      timeline.push({
        cycle,
        order: 0,
        stage: {
          label: `fu c${cycle}`,
          findings: rec.keyinfo ? fromKeyInfo(rec.keyinfo) : null,
          note: followupNote(rec),
        },
      });
    }
    timeline.sort((a, b) => a.cycle - b.cycle || a.order - b.order);
    stages.push(...timeline.map((t) => t.stage));
    return {
      id,
      report,
      reference,
      stages,
      questions: this.lines('questions', id),
      changes: this.lines('std-changes', id),
      followupLog: this.lines('followup-log', id),
      extractions,
    };
  }
}

function followupNote(rec: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const k of ['asked', 'applied', 'parse_failures', 'status', 'question', 'answer']) {
    const v = rec[k];
    if (v === undefined || v === null) continue;
    parts.push(`${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  return parts.join(' · ');
}

function matchesFilter(s: StudySummary, f: StudyFilter): boolean {
  switch (f.kind) {
    case 'all':
      return true;
    case 'changed':
      return f.cycle === null ? s.changedCycles.length > 0 : s.changedCycles.includes(f.cycle);
    case 'disagrees':
      return s.disagrees;
    case 'parse-failed':
      return s.parseFailed;
    default: {
      const never: never = f;
      throw new Error(`unknown filter ${JSON.stringify(never)}`);
    }
  }
}

export function filterLabel(f: StudyFilter): string {
  switch (f.kind) {
    case 'all':
      return 'all';
    case 'changed':
      return f.cycle === null ? 'changed in any cycle' : `changed in cycle ${f.cycle}`;
    case 'disagrees':
      return 'disagrees (≠: the stages differ)';
    case 'parse-failed':
      return 'parse failed';
  }
}

/** The filter after `f`: all → changed in each known cycle → disagrees → parse failed → all. */
export function nextFilter(f: StudyFilter, cycles: number[]): StudyFilter {
  const seq: StudyFilter[] = [
    { kind: 'all' },
    ...(cycles.length
      ? cycles.map((c) => ({ kind: 'changed', cycle: c }) as StudyFilter)
      : [{ kind: 'changed', cycle: null } as StudyFilter]),
    { kind: 'disagrees' },
    { kind: 'parse-failed' },
  ];
  const i = seq.findIndex((x) => filterLabel(x) === filterLabel(f));
  return seq[(i + 1) % seq.length]!;
}
