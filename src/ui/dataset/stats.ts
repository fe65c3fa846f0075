/** Dataset statistics per question type (docs/method.md §10), folded from the `questions` rows. */
export interface TypeStats {
  type: string;
  count: number;
  closed: number;
  yes: number;
  no: number;
  subjects: Set<string>;
  answers: Set<string>;
  samples: Array<{ study_id: string; question: string; answer: string }>;
}

export interface DatasetStats {
  total: number;
  studies: Set<string>;
  types: Map<string, TypeStats>;
}

export function emptyStats(): DatasetStats {
  return { total: 0, studies: new Set(), types: new Map() };
}

export function addQuestion(stats: DatasetStats, row: Record<string, unknown>, samplesPerType = 3): void {
  const type = String(row.question_type ?? 'unknown');
  const answer = String(row.answer ?? '').trim().toLowerCase();
  let t = stats.types.get(type);
  if (!t) {
    t = { type, count: 0, closed: 0, yes: 0, no: 0, subjects: new Set(), answers: new Set(), samples: [] };
    stats.types.set(type, t);
  }
  stats.total++;
  stats.studies.add(String(row.study_id));
  t.count++;
  if (answer === 'yes' || answer === 'no') {
    t.closed++;
    if (answer === 'yes') t.yes++;
    else t.no++;
  }
  if (row.subject_id !== undefined && row.subject_id !== null) t.subjects.add(String(row.subject_id));
  t.answers.add(answer);
  if (t.samples.length < samplesPerType && !t.samples.some((q) => q.question === String(row.question ?? ''))) t.samples.push({ study_id: String(row.study_id), question: String(row.question ?? ''), answer: String(row.answer ?? '') });
}

const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(1)}%` : '—');

/** Table rows as text cells: type, count, share, open, closed, yes, no, subjects, answers. */
export function statsTable(stats: DatasetStats): string[][] {
  const rows = [...stats.types.values()].sort((a, b) => b.count - a.count);
  const body = rows.map((t) => [t.type, String(t.count), pct(t.count, stats.total), String(t.count - t.closed), String(t.closed), pct(t.yes, t.closed), pct(t.no, t.closed), String(t.subjects.size), String(t.answers.size)]);
  const all = [...stats.types.values()];
  const closed = all.reduce((n, t) => n + t.closed, 0);
  const yes = all.reduce((n, t) => n + t.yes, 0);
  const subjects = new Set(all.flatMap((t) => [...t.subjects]));
  const answers = new Set(all.flatMap((t) => [...t.answers]));
  body.push(['total', String(stats.total), stats.total ? '100%' : '—', String(stats.total - closed), String(closed), pct(yes, closed), pct(closed - yes, closed), String(subjects.size), String(answers.size)]);
  return body;
}

export const STATS_HEADER = ['type', 'count', 'share', 'open', 'closed', 'yes', 'no', 'subj', 'answers'];
