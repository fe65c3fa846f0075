import { QUESTION_TYPES, RELEASE_COUNTS, RELEASE_TOTAL, type QaPair, type QuestionType } from './schema.js';
import { fmtNum, fmtPct } from '../util/format.js';

export interface TypeStats {
  type: QuestionType;
  count: number;
  /** Share of all pairs. */
  share: number;
  open: number;
  closed: number;
  yes: number;
  no: number;
  /** Shares of yes and of no among this type's closed (yes/no) questions. */
  yes_share: number;
  no_share: number;
  subjects: number;
  studies: number;
  answer_vocab: number;
  top_answers: Array<[answer: string, count: number]>;
  /** The released dataset's count and share for this type (null for types it does not have). */
  release_count: number | null;
  release_share: number | null;
}

export interface DatasetStats {
  total: number;
  subjects: number;
  studies: number;
  answer_vocab: number;
  by_type: TypeStats[];
  by_split: Record<string, number>;
  top_answers: Array<[string, number]>;
  /** KeyInfo entity names most often behind a QA pair (provenance). */
  top_entities: Array<[string, number]>;
  /** Answer length in words → number of pairs (lengths ≥ 10 are pooled under 10). */
  answer_length: Array<[words: number, count: number]>;
  release: { total: number; by_type: Record<string, number> };
}

const TOP = 10;
const LENGTH_CAP = 10;

function top(m: Map<string, number>, n = TOP): Array<[string, number]> {
  return [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n);
}

const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

function wordCount(s: string): number {
  let n = 0;
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const space = s.charCodeAt(i) <= 32;
    if (!space && !inWord) n++;
    inWord = !space;
  }
  return n;
}

interface Acc {
  lastStudy: string;
  count: number;
  open: number;
  yes: number;
  no: number;
  subjects: Set<string>;
  studies: Set<string>;
  answers: Map<string, number>;
}

/** One pass over the pairs; works on an iterator so the CLI can stream the artifact. */
export function computeStats(pairs: Iterable<QaPair>): DatasetStats {
  const acc = new Map<QuestionType, Acc>();
  const subjects = new Set<string>();
  const studies = new Set<string>();
  const answers = new Map<string, number>();
  const entities = new Map<string, number>();
  const splits = new Map<string, number>();
  const lengths = new Map<number, number>();
  let total = 0;
  let lastStudy = '';
  for (const p of pairs) {
    total++;
    let a = acc.get(p.question_type);
    if (!a)
      acc.set(
        p.question_type,
        (a = {
          lastStudy: '',
          count: 0,
          open: 0,
          yes: 0,
          no: 0,
          subjects: new Set(),
          studies: new Set(),
          answers: new Map(),
        }),
      );
    a.count++;
    if (p.answer === 'yes') a.yes++;
    else if (p.answer === 'no') a.no++;
    else a.open++;
    // A study's pairs are usually consecutive: touch the sets once per study, not per pair.
    if (a.lastStudy !== p.study_id) {
      a.lastStudy = p.study_id;
      a.subjects.add(p.subject_id);
      a.studies.add(p.study_id);
    }
    if (lastStudy !== p.study_id) {
      lastStudy = p.study_id;
      subjects.add(p.subject_id);
      studies.add(p.study_id);
    }
    bump(a.answers, p.answer);
    bump(answers, p.answer);
    bump(splits, p.split);
    for (const e of p.provenance.entities) bump(entities, e);
    const words = Math.min(LENGTH_CAP, wordCount(p.answer));
    lengths.set(words, (lengths.get(words) ?? 0) + 1);
  }
  const by_type: TypeStats[] = [];
  for (const type of QUESTION_TYPES) {
    const a = acc.get(type);
    const release = RELEASE_COUNTS[type] ?? null;
    if (!a && release === null) continue;
    const closed = a ? a.yes + a.no : 0;
    by_type.push({
      type,
      count: a?.count ?? 0,
      share: total && a ? a.count / total : 0,
      open: a?.open ?? 0,
      closed,
      yes: a?.yes ?? 0,
      no: a?.no ?? 0,
      yes_share: closed ? a!.yes / closed : 0,
      no_share: closed ? a!.no / closed : 0,
      subjects: a?.subjects.size ?? 0,
      studies: a?.studies.size ?? 0,
      answer_vocab: a?.answers.size ?? 0,
      top_answers: a ? top(a.answers, 5) : [],
      release_count: release,
      release_share: release === null ? null : release / RELEASE_TOTAL,
    });
  }
  return {
    total,
    subjects: subjects.size,
    studies: studies.size,
    answer_vocab: answers.size,
    by_type,
    by_split: Object.fromEntries([...splits.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))),
    top_answers: top(answers),
    top_entities: top(entities),
    answer_length: [...lengths.entries()].sort((a, b) => a[0] - b[0]),
    release: { total: RELEASE_TOTAL, by_type: { ...RELEASE_COUNTS } },
  };
}

const pct = fmtPct;
const num = fmtNum;

/** Column titles of `typeCells`, as the terminal tables print them. */
export const TYPE_CELL_HEADERS = [
  'type',
  'count',
  'share',
  'open',
  'closed',
  'yes',
  'no',
  'subjects',
  'vocab',
  'release',
  'rel.share',
] as const;

/** One type's figures as table cells (terminal table and the run report's Markdown). */
export function typeCells(t: DatasetStats['by_type'][number]): string[] {
  return [
    t.type,
    num(t.count),
    pct(t.share),
    num(t.open),
    num(t.closed),
    t.closed ? pct(t.yes_share) : '-',
    t.closed ? pct(t.no_share) : '-',
    num(t.subjects),
    num(t.answer_vocab),
    num(t.release_count),
    pct(t.release_share),
  ];
}

/** The terminal table: this dataset beside the release, per type. */
export function formatStatsTable(s: DatasetStats): string {
  const header: string[] = [...TYPE_CELL_HEADERS];
  const rows = s.by_type.map(typeCells);
  rows.push([
    'total',
    num(s.total),
    '100.0%',
    '',
    '',
    '',
    '',
    num(s.subjects),
    num(s.answer_vocab),
    num(s.release.total),
    '100.0%',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  out.push('', `studies ${num(s.studies)} · subjects ${num(s.subjects)} · answer vocabulary ${num(s.answer_vocab)}`);
  out.push(
    `splits: ${
      Object.entries(s.by_split)
        .map(([k, v]) => `${k} ${num(v)}`)
        .join(' · ') || '-'
    }`,
  );
  out.push(`top answers: ${s.top_answers.map(([a, c]) => `${a} (${num(c)})`).join(', ') || '-'}`);
  out.push(
    'yes/no shares are among each type\'s closed questions; "release" is PhysioNet medical-cxr-vqa-dataset 1.0.0.',
  );
  return out.join('\n');
}
