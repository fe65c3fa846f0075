import { type DatasetStats, fmtNum, fmtPct, TYPE_CELL_HEADERS, typeCells } from '../pipeline/index.js';
import { fitTable, wrapHanging } from '../present/layout.js';

/** What goes first when the table is too wide: figures the others imply (no = 1 − yes, open = count − closed). */
const DROP_ORDER = ['no', 'open', 'vocab', 'subjects'];

/** `cxrvqa stats`: the per-type table beside the release, laid out for `width` columns. */
export function formatStatsFitted(s: DatasetStats, width: number): string {
  const rows = s.by_type.map(typeCells);
  rows.push([
    'total',
    fmtNum(s.total),
    fmtPct(1),
    '',
    '',
    '',
    '',
    fmtNum(s.subjects),
    fmtNum(s.answer_vocab),
    fmtNum(s.release.total),
    fmtPct(1),
  ]);
  const table = fitTable(TYPE_CELL_HEADERS, rows, width, DROP_ORDER);
  const splits =
    Object.entries(s.by_split)
      .map(([k, v]) => `${k} ${fmtNum(v)}`)
      .join(' · ') || '-';
  const answers = s.top_answers.map(([a, c]) => `${a} (${fmtNum(c)})`).join(', ') || '-';
  const notes = [
    `studies ${fmtNum(s.studies)} · subjects ${fmtNum(s.subjects)} · answer vocabulary ${fmtNum(s.answer_vocab)}`,
    `splits: ${splits}`,
    `top answers: ${answers}`,
    'yes/no shares are among each type\'s closed questions; "release" is PhysioNet medical-cxr-vqa-dataset 1.0.0.',
  ];
  if (table.dropped.length)
    notes.push(`columns left out to fit ${width} columns: ${table.dropped.join(', ')} (cxrvqa stats --json has all)`);
  return [...table.lines, '', ...notes.flatMap((n) => wrapHanging(n, width, 2))].join('\n');
}
