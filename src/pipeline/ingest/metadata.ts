import { readCsv } from './csvio.js';
import { KNOWN_FIELDS, normalizeId, parseOrder, type StudyMeta } from './record.js';

/** A metadata row, or a row that could not be used (with its line and why). */
export type MetaRow =
  { ok: true; meta: StudyMeta; line: number } | { ok: false; line: number; detail: string; study_id: string };

const KNOWN = new Set<string>(KNOWN_FIELDS);

/** Map one metadata row (known columns + extras kept as strings) to StudyMeta. */
export function metaFromValues(values: Record<string, string>): StudyMeta | null {
  const study = normalizeId(values.study_id ?? '');
  if (!study) return null;
  const extra: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) {
    // An unnamed first column is a pandas index written with the table; it carries nothing.
    if (k !== '' && !KNOWN.has(k)) extra[k] = v;
  }
  const str = (k: string) => {
    const v = values[k]?.trim();
    return v ? v : null;
  };
  return {
    study_id: study,
    subject_id: normalizeId(values.subject_id ?? ''),
    dicom_id: str('dicom_id'),
    view: str('view'),
    study_order: parseOrder(values.study_order),
    study_date: str('study_date'),
    split: str('split'),
    extra,
  };
}

/** Stream the metadata table (`mimic_all.csv` layout): one row per study. */
export async function* readMetadataCsv(file: string): AsyncGenerator<MetaRow> {
  for await (const row of readCsv(file)) {
    if (row.malformed) {
      yield {
        ok: false,
        line: row.line,
        detail: `metadata line ${row.line}: ${row.malformed}`,
        study_id: normalizeId(row.values.study_id ?? ''),
      };
      continue;
    }
    const meta = metaFromValues(row.values);
    if (!meta) yield { ok: false, line: row.line, detail: `metadata line ${row.line}: no study_id`, study_id: '' };
    else yield { ok: true, meta, line: row.line };
  }
}
