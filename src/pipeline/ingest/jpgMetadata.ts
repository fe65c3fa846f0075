import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { stringify } from 'csv-stringify';
import { UserError } from '../util/errors.js';
import { readCsv } from './csvio.js';
import { KNOWN_FIELDS, normalizeId, type StudyMeta } from './record.js';

/**
 * Build the per-study metadata table (`mimic_all.csv`, docs/method.md §1) from the
 * three MIMIC-CXR-JPG CSVs with hash joins: one streaming pass over the image
 * table, one over the split table, two over the CheXpert table (the base). Only
 * the chosen image per study is held in memory, never the label rows.
 */

export const JPG_FILES = {
  chexpert: 'mimic-cxr-2.0.0-chexpert.csv',
  metadata: 'mimic-cxr-2.0.0-metadata.csv',
  split: 'mimic-cxr-2.0.0-split.csv',
} as const;

const FRONTAL = new Set(['postero-anterior', 'antero-posterior']);
/** Column order of the original `mimic_all.csv`; CheXpert label columns follow. */
export const MIMIC_ALL_COLUMNS = [
  'subject_id',
  'study_id',
  'dicom_id',
  'view',
  'study_order',
  'split',
  'study_date',
] as const;

/** The three files in `dir` (each `.csv` or `.csv.gz`); a UserError names the missing ones. */
export function locateJpgFiles(dir: string): Record<keyof typeof JPG_FILES, string> {
  const found: Partial<Record<keyof typeof JPG_FILES, string>> = {};
  const missing: string[] = [];
  for (const [key, name] of Object.entries(JPG_FILES) as [keyof typeof JPG_FILES, string][]) {
    const hit = [name, `${name}.gz`].map((n) => path.join(dir, n)).find((p) => fs.existsSync(p));
    if (hit) found[key] = hit;
    else missing.push(`${name}[.gz]`);
  }
  if (missing.length)
    throw new UserError(
      `MIMIC-CXR-JPG folder ${dir} lacks ${missing.join(', ')}.`,
      'Point --metadata (or --jpg) at the folder holding the three MIMIC-CXR-JPG CSVs.',
    );
  return found as Record<keyof typeof JPG_FILES, string>;
}

interface Chosen {
  dicom: string;
  view: string | null;
  date: string | null;
  frontal: boolean;
  split: string | null;
}

export interface JpgBuildNotes {
  onNote?(message: string): void;
}

/** Rank with ties sharing the lowest rank (pandas method "min"), 1 = earliest. */
export function minRank(value: string, all: readonly string[]): number {
  let less = 0;
  for (const v of all) if (compareDates(v, value) < 0) less++;
  return less + 1;
}

function compareDates(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

export async function* buildJpgMetadata(dir: string, notes: JpgBuildNotes = {}): AsyncGenerator<StudyMeta> {
  const files = locateJpgFiles(dir);
  const chosen = new Map<string, Chosen>();
  for await (const row of readCsv(files.metadata)) {
    if (row.malformed) continue;
    const study = normalizeId(row.values.study_id ?? '');
    const dicom = row.values.dicom_id?.trim() ?? '';
    if (!study || !dicom) continue;
    const view = row.values.ViewCodeSequence_CodeMeaning?.trim() || null;
    const frontal = view !== null && FRONTAL.has(view);
    const prev = chosen.get(study);
    // First frontal image, else the first image.
    if (!prev || (!prev.frontal && frontal)) {
      chosen.set(study, { dicom, view, date: row.values.StudyDate?.trim() || null, frontal, split: null });
    }
  }
  const byDicom = new Map<string, Chosen>();
  for (const c of chosen.values()) byDicom.set(c.dicom, c);
  for await (const row of readCsv(files.split)) {
    const c = byDicom.get(row.values.dicom_id?.trim() ?? '');
    if (c) c.split = row.values.split?.trim() || null;
  }
  byDicom.clear();

  // Pass 1 over the base table: each subject's study dates, for study_order.
  const datesBySubject = new Map<string, string[]>();
  for await (const row of readCsv(files.chexpert)) {
    const date = chosen.get(normalizeId(row.values.study_id ?? ''))?.date;
    if (!date) continue;
    const subject = normalizeId(row.values.subject_id ?? '');
    const list = datesBySubject.get(subject);
    if (list) list.push(date);
    else datesBySubject.set(subject, [date]);
  }

  let noImage = 0;
  const known = new Set<string>(KNOWN_FIELDS);
  for await (const row of readCsv(files.chexpert)) {
    if (row.malformed) continue;
    const study = normalizeId(row.values.study_id ?? '');
    if (!study) continue;
    const subject = normalizeId(row.values.subject_id ?? '');
    const c = chosen.get(study);
    if (!c) noImage++;
    const extra: Record<string, string> = {};
    for (const [k, v] of Object.entries(row.values)) if (k !== '' && !known.has(k)) extra[k] = v;
    yield {
      study_id: study,
      subject_id: subject,
      dicom_id: c?.dicom ?? null,
      view: c?.view ?? null,
      study_order: c?.date ? minRank(c.date, datesBySubject.get(subject) ?? [c.date]) : null,
      study_date: c?.date ?? null,
      split: c?.split ?? null,
      extra,
    };
  }
  if (noImage)
    notes.onNote?.(
      `${noImage} studies in the CheXpert table have no image in the metadata table (dicom_id, view, split left empty)`,
    );
}

/** Write metadata rows as the `mimic_all.csv` table (known columns, then the label columns). */
export async function writeMetadataCsv(rows: AsyncIterable<StudyMeta>, outFile: string): Promise<number> {
  fs.mkdirSync(path.dirname(path.resolve(outFile)), { recursive: true });
  const out = fs.createWriteStream(outFile);
  const csv = stringify();
  csv.pipe(out);
  let header: string[] | null = null;
  let n = 0;
  for await (const r of rows) {
    if (!header) {
      header = [...MIMIC_ALL_COLUMNS, ...Object.keys(r.extra)];
      if (!csv.write(header)) await once(csv, 'drain');
    }
    const cells = header.map((h) => {
      if (h in r.extra) return r.extra[h];
      const v = (r as unknown as Record<string, unknown>)[h];
      return v === null || v === undefined ? '' : String(v);
    });
    if (!csv.write(cells)) await once(csv, 'drain');
    n++;
  }
  if (!header) csv.write([...MIMIC_ALL_COLUMNS]);
  csv.end();
  await once(out, 'finish');
  return n;
}
