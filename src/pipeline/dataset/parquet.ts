import { createHash } from 'node:crypto';
import fs from 'node:fs';
import zlib from 'node:zlib';
import path from 'node:path';
import { fileWriter, ParquetWriter } from 'hyparquet-writer';
import type { SchemaElement } from 'hyparquet';
import { imagePath } from '../questions/export.js';
import type { MetadataIndex, QaPair } from '../questions/schema.js';

/**
 * Parquet export per split in the layout `datasets.load_dataset("parquet",
 * data_dir=...)` and the card's `configs` read: `data/<split>-00000-of-00001.parquet`.
 */

/**
 * Rows per row group: a streaming reader holds ~200 KB at a time. Smaller groups also keep the
 * writer's temporaries short-lived: at 227,835 studies, 50,000-row groups took 3x the CPU (GC)
 * and 1.7 GB peak RSS against 0.9 GB, for a file 1% smaller.
 */
export const ROW_GROUP_ROWS = 5_000;
export const PARQUET_DIR = 'data';

const str = (name: string, required = true): SchemaElement => ({
  name,
  type: 'BYTE_ARRAY',
  converted_type: 'UTF8',
  repetition_type: required ? 'REQUIRED' : 'OPTIONAL',
});
const list = (name: string): SchemaElement[] => [
  { name, repetition_type: 'REQUIRED', converted_type: 'LIST', num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'element', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
];

/** One row: the QA pair flattened, with its image paths relative to a MIMIC-CXR-JPG root. */
export interface ParquetRow {
  qa_id: string;
  study_id: string;
  subject_id: string;
  dicom_id: string | null;
  ref_id: string | null;
  question_type: string;
  question: string;
  answer: string;
  answer_type: string;
  split: string;
  template: string;
  entities: string[];
  ref_entities: string[];
  source_cycle: number;
  image: string | null;
  ref_image: string | null;
}

const LEAVES: ReadonlyArray<[keyof ParquetRow, SchemaElement[]]> = [
  ['qa_id', [str('qa_id')]],
  ['study_id', [str('study_id')]],
  ['subject_id', [str('subject_id')]],
  ['dicom_id', [str('dicom_id', false)]],
  ['ref_id', [str('ref_id', false)]],
  ['question_type', [str('question_type')]],
  ['question', [str('question')]],
  ['answer', [str('answer')]],
  ['answer_type', [str('answer_type')]],
  ['split', [str('split')]],
  ['template', [str('template')]],
  ['entities', list('entities')],
  ['ref_entities', list('ref_entities')],
  ['source_cycle', [{ name: 'source_cycle', type: 'INT32', repetition_type: 'REQUIRED' }]],
  ['image', [str('image', false)]],
  ['ref_image', [str('ref_image', false)]],
];
export const PARQUET_COLUMNS = LEAVES.map(([name]) => name);
const SCHEMA: SchemaElement[] = [{ name: 'schema', num_children: LEAVES.length }, ...LEAVES.flatMap(([, s]) => s)];

/** The Hugging Face split name: `datasets` knows "validation", not this tool's "validate". */
export function hfSplit(split: string): string {
  return split === 'validate' ? 'validation' : split.replace(/[^\w.]/g, '_');
}

export const parquetFile = (split: string) => `${PARQUET_DIR}/${hfSplit(split)}-00000-of-00001.parquet`;

export interface ParquetSplit {
  split: string;
  file: string;
  rows: number;
  row_groups: number;
  bytes: number;
  sha256: string;
}

/** Column arrays for a slice of pairs, filled in one pass without a row object per pair (GC was most of the write time). */
function toColumns(pairs: readonly QaPair[], idx: readonly number[], meta: MetadataIndex) {
  const cols = Object.fromEntries(PARQUET_COLUMNS.map((c) => [c, new Array<unknown>(idx.length)])) as Record<
    keyof ParquetRow,
    unknown[]
  >;
  idx.forEach((j, i) => {
    const p = pairs[j]!;
    cols.qa_id[i] = p.qa_id;
    cols.study_id[i] = p.study_id;
    cols.subject_id[i] = p.subject_id;
    cols.dicom_id[i] = p.dicom_id;
    cols.ref_id[i] = p.ref_id;
    cols.question_type[i] = p.question_type;
    cols.question[i] = p.question;
    cols.answer[i] = p.answer;
    cols.answer_type[i] = p.answer_type;
    cols.split[i] = p.split;
    cols.template[i] = p.provenance.template;
    cols.entities[i] = p.provenance.entities;
    cols.ref_entities[i] = p.provenance.ref_entities ?? NONE;
    cols.source_cycle[i] = p.provenance.source_cycle;
    cols.image[i] = imagePath(p.subject_id, p.study_id, p.dicom_id);
    cols.ref_image[i] = refImage(p, meta);
  });
  return LEAVES.map(([name]) => ({
    name,
    data: cols[name],
    ...(DICTIONARY_COLUMNS.has(name) ? { encoding: 'RLE_DICTIONARY' as const } : {}),
  }));
}
/**
 * Columns with few distinct values per row group (a study's ids repeat for each of its pairs;
 * questions, answers and types repeat across studies): dictionary-encoded on purpose, so each
 * value is UTF-8 encoded once per row group rather than once per row (the writer's sampling
 * would pick plain encoding for them, and per-value encoding was most of the write time).
 */
const DICTIONARY_COLUMNS = new Set<keyof ParquetRow>([
  'study_id',
  'subject_id',
  'dicom_id',
  'ref_id',
  'image',
  'ref_image',
  // Few distinct values in a row group: questions, answers, types, splits and templates repeat across studies.
  'question_type',
  'question',
  'answer',
  'answer_type',
  'split',
  'template',
]);
const NONE: string[] = [];

function refImage(p: QaPair, meta: MetadataIndex): string | null {
  if (!p.ref_id) return null;
  const ref = meta.get(p.ref_id);
  return imagePath(ref?.subject_id ?? p.subject_id, p.ref_id, ref?.dicom_id ?? null);
}

/** One pair as the row a Parquet reader gives back. */
export function toRow(p: QaPair, meta: MetadataIndex): ParquetRow {
  return {
    qa_id: p.qa_id,
    study_id: p.study_id,
    subject_id: p.subject_id,
    dicom_id: p.dicom_id,
    ref_id: p.ref_id,
    question_type: p.question_type,
    question: p.question,
    answer: p.answer,
    answer_type: p.answer_type,
    split: p.split,
    template: p.provenance.template,
    entities: p.provenance.entities,
    ref_entities: p.provenance.ref_entities ?? [],
    source_cycle: p.provenance.source_cycle,
    image: imagePath(p.subject_id, p.study_id, p.dicom_id),
    ref_image: refImage(p, meta),
  };
}

/** Writes one file per split (in first-appearance order), through a temp file and a rename. */
export function writeParquetSplits(
  dir: string,
  pairs: readonly QaPair[],
  meta: MetadataIndex,
  rowGroupRows = ROW_GROUP_ROWS,
): ParquetSplit[] {
  const bySplit = new Map<string, number[]>();
  pairs.forEach((p, i) => {
    const list = bySplit.get(p.split);
    if (list) list.push(i);
    else bySplit.set(p.split, [i]);
  });
  const out: ParquetSplit[] = [];
  for (const [split, idx] of bySplit) {
    const rel = parquetFile(split);
    const file = path.join(dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.tmp-${process.pid}`;
    // No column statistics: they doubled the write time, and a QA table is read whole, not filtered by min/max.
    const writer = new ParquetWriter({
      writer: fileWriter(tmp),
      schema: SCHEMA,
      createdBy: 'cxrvqa',
      statistics: false,
      // Node's native gzip (level 1) instead of the writer's JavaScript Snappy: a third less CPU and
      // smaller files; pyarrow (Hugging Face datasets), polars and DuckDB read GZIP pages.
      codec: 'GZIP',
      compressors: { GZIP: (bytes: Uint8Array) => zlib.gzipSync(bytes, { level: 1 }) },
    });
    let groups = 0;
    // One row group per chunk: only one chunk of rows is ever built in memory.
    for (let i = 0; i < idx.length; i += rowGroupRows) {
      const part = idx.slice(i, i + rowGroupRows);
      writer.write({ columnData: toColumns(pairs, part, meta), rowGroupSize: part.length });
      groups++;
    }
    writer.finish();
    fs.renameSync(tmp, file);
    const bytes = fs.readFileSync(file);
    out.push({
      split,
      file: rel,
      rows: idx.length,
      row_groups: groups,
      bytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
  }
  return out;
}

/** Parquet files of splits no longer in the dataset are removed, so the folder never mixes runs. */
export function removeStaleParquet(dir: string, keep: readonly ParquetSplit[]): void {
  const folder = path.join(dir, PARQUET_DIR);
  if (!fs.existsSync(folder)) return;
  const wanted = new Set(keep.map((k) => path.basename(k.file)));
  for (const f of fs.readdirSync(folder)) if (f.endsWith('.parquet') && !wanted.has(f)) fs.rmSync(path.join(folder, f));
}
