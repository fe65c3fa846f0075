import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { SAMPLE_CORPUS_DIR } from '../../src/pipeline/util/paths.js';

/** Plain readers for the bundled sample corpus, kept apart from ingest so the corpus is checked independently. */

export interface MetaRow {
  subject_id: string;
  study_id: string;
  dicom_id: string;
  view: string;
  study_order: string;
  study_date: string;
  split: string;
}

export const METADATA_COLUMNS = ['subject_id', 'study_id', 'dicom_id', 'view', 'study_order', 'study_date', 'split'];

export const sampleDir = () => SAMPLE_CORPUS_DIR();

export function readMetadataHeader(dir = sampleDir()): string[] {
  const first = fs.readFileSync(path.join(dir, 'metadata.csv'), 'utf8').split('\n')[0] ?? '';
  return first.trim().split(',');
}

export function readMetadata(dir = sampleDir()): MetaRow[] {
  const text = fs.readFileSync(path.join(dir, 'metadata.csv'), 'utf8');
  return parse(text, { columns: true, skip_empty_lines: true }) as MetaRow[];
}

/** Every .txt under files/, as paths relative to the corpus root with forward slashes. */
export function listReportFiles(dir = sampleDir()): string[] {
  const root = path.join(dir, 'files');
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p).split(path.sep).join('/'));
    }
  };
  walk(root);
  return out.sort();
}

export const reportPath = (r: Pick<MetaRow, 'subject_id' | 'study_id'>) =>
  `files/p${r.subject_id.slice(0, 2)}/p${r.subject_id}/s${r.study_id}.txt`;

/** Report texts by study id; a missing file is left out here and reported by the layout test. */
export function readReports(rows: MetaRow[], dir = sampleDir()): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of rows) {
    const p = path.join(dir, reportPath(r));
    if (fs.existsSync(p)) out.set(r.study_id, fs.readFileSync(p, 'utf8'));
  }
  return out;
}

export function readGoldLines(dir = sampleDir()): string[] {
  return fs
    .readFileSync(path.join(dir, 'gold.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
}
