import path from 'node:path';
import { assembleText, planColumns, type ColumnPlan } from './columns.js';
import { hasDataRow, readCsv, readCsvHeader } from './csvio.js';
import {
  issue,
  makeRecord,
  normalizeId,
  parseOrder,
  type SourceItem,
  type SourceOptions,
  type StudyMeta,
} from './record.js';
import { checkReportText } from './text.js';
import { UserError } from '../util/errors.js';
import { readView } from './views.js';

/** CSV with one report per row; columns mapped by `planColumns` (Open-i layout detected by header). */
export async function planCsv(file: string, mapping: Readonly<Record<string, string>>): Promise<ColumnPlan> {
  const header = await readCsvHeader(file);
  const name = path.basename(file);
  if (header.every((h) => h === ''))
    throw new UserError(
      `Corpus CSV ${name} is empty (no header row).`,
      'Pass a file with a header row and one report per row.',
    );
  if (!(await hasDataRow(file)))
    throw new UserError(
      `Corpus CSV ${name} is empty: it has a header (${header.join(', ')}) but no rows.`,
      'Pass a file with one report per row under the header.',
    );
  return planColumns(header, mapping, name);
}

export function rowToItem(
  values: Record<string, string>,
  plan: ColumnPlan,
  source: string,
  opts: SourceOptions,
): SourceItem {
  const get = (cols: string[] | undefined) =>
    (cols ?? [])
      .map((c) => values[c] ?? '')
      .join(' ')
      .trim();
  const id = normalizeId(get(plan.fields.study_id));
  if (!id) return { kind: 'issue', issue: issue(source, source, 'malformed_row', 'no study id in this row') };
  if (opts.isDone(id)) return { kind: 'resumed', study_id: id, source };
  const raw = assembleText((plan.fields.text ?? []).map((column) => ({ column, value: values[column] ?? '' })));
  const checked = checkReportText(raw, opts.maxReportBytes);
  if (!checked.ok) return { kind: 'issue', issue: issue(id, source, checked.problem.reason, checked.problem.detail) };
  const opt = (cols: string[] | undefined) => get(cols) || null;
  const view = readView(opt(plan.fields.view));
  const meta: StudyMeta = {
    study_id: id,
    subject_id: normalizeId(get(plan.fields.subject_id)),
    dicom_id: opt(plan.fields.dicom_id),
    view: view.view,
    study_order: parseOrder(get(plan.fields.study_order)),
    study_date: opt(plan.fields.study_date),
    split: opt(plan.fields.split),
    extra: { ...Object.fromEntries(plan.extra.map((c) => [c, values[c] ?? ''])), ...view.extra },
  };
  return {
    kind: 'record',
    record: makeRecord(meta, checked.text, source),
    warnings: checked.warnings.map((w) => issue(id, source, w.reason, w.detail, false)),
  };
}

export async function* csvItems(file: string, plan: ColumnPlan, opts: SourceOptions): AsyncGenerator<SourceItem> {
  const base = path.basename(file);
  for await (const row of readCsv(file)) {
    if (opts.signal.aborted) return;
    const source = `${base}:${row.line}`;
    if (row.malformed) {
      const id = normalizeId((plan.fields.study_id ?? []).map((c) => row.values[c] ?? '').join(' '));
      yield {
        kind: 'issue',
        issue: issue(id || source, source, 'malformed_row', `line ${row.line}: ${row.malformed}`),
      };
      continue;
    }
    yield rowToItem(row.values, plan, source, opts);
  }
}
