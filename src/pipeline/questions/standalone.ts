import fs from 'node:fs';
import path from 'node:path';
import { readCsvHeader } from '../ingest/csvio.js';
import { readMetadataCsv } from '../ingest/metadata.js';
import { ReportRecordSchema, type StudyMeta } from '../schemas/report.js';
import type { Style } from '../schemas/style.js';
import { buildFrequencyDicts } from '../standardize/dictionaries.js';
import { UserError } from '../util/errors.js';
import { fieldProblem, mapJsonLines } from '../util/jsonl.js';
import { DIFF_CSV_COLUMNS, RELEASE_CSV_COLUMNS, writeCsv } from './export.js';
import { buildMetadataIndex, generateQuestions, type GenerateCounts } from './generate.js';
import { readKeyInfoFile } from './keyinfoFile.js';
import { loadDiseaseLibrary } from './library.js';
import { loadPostPhraseLibrary } from './postLocations.js';
import { QuestionParamsSchema } from './schema.js';
import { computeStats, type DatasetStats } from './stats.js';

/**
 * `cxrvqa questions`: question generation on its own, from a KeyInfo file and a metadata table,
 * written in the original's CSV layout, so anyone can set cxrvqa beside the original on their
 * own KeyInfo (docs/differences.md).
 */
export interface StandaloneOptions {
  keyinfo: string;
  metadata: string;
  out: string;
  style: Style;
  seed: number;
  /** Low-frequency threshold: a number (the release: 10), `auto`, or null for no filter. */
  threshold: number | 'auto' | null;
  /** Difference questions; `paired`: the Medical-Diff-VQA layout (every question carries its reference). */
  difference?: 'off' | 'separate' | 'paired';
}

export interface StandaloneResult {
  file: string;
  pairs: number;
  records: number;
  /** Records in the rule-based (Diff-VQA) layout. */
  ruleRecords: number;
  duplicates: number;
  counts: GenerateCounts;
  stats: DatasetStats;
}

const NEEDED = ['study_id', 'subject_id', 'view'];
const MetaLine = ReportRecordSchema.pick({
  study_id: true,
  subject_id: true,
  dicom_id: true,
  view: true,
  study_order: true,
  study_date: true,
  split: true,
});

/** A run's `artifacts/reports.jsonl` as the metadata table, so a run's reference.jsonl needs no export. */
function readMetadataJsonl(file: string): Map<string, StudyMeta> {
  const hint =
    "A JSONL metadata file is a run's artifacts/reports.jsonl: one {study_id, subject_id, view, study_order, ...} per line.";
  const metas = mapJsonLines(file, fs.readFileSync(file, 'utf8'), (value, line) => {
    const r = MetaLine.safeParse(value);
    if (!r.success) throw new UserError(`${file} line ${line}: ${fieldProblem(r.error)}`, hint);
    return r.data;
  });
  return buildMetadataIndex(metas);
}

async function readMetadata(file: string): Promise<Map<string, StudyMeta>> {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile())
    throw new UserError(
      `Metadata file not found: ${file}`,
      "Give --metadata the mimic_all.csv table, or a run's artifacts/reports.jsonl.",
    );
  if (/\.jsonl$/i.test(file)) return readMetadataJsonl(file);
  const header = await readCsvHeader(file);
  const missing = NEEDED.filter((c) => !header.includes(c));
  if (missing.length)
    throw new UserError(
      `${file} has no ${missing.join(', ')} column${missing.length > 1 ? 's' : ''} (its header: ${header.join(', ') || 'empty'}).`,
      'The metadata table is in the mimic_all.csv layout: subject_id, study_id, dicom_id, view, study_date, study_order, split.',
    );
  const metas: StudyMeta[] = [];
  for await (const row of readMetadataCsv(file)) {
    if (!row.ok) throw new UserError(`${file}: ${row.detail}`, 'Fix or remove that line; nothing was written.');
    metas.push(row.meta);
  }
  return buildMetadataIndex(metas);
}

export async function runStandaloneQuestions(o: StandaloneOptions): Promise<StandaloneResult> {
  const records = readKeyInfoFile(o.keyinfo, o.style);
  const index = await readMetadata(o.metadata);
  const byStudy = new Map<string, (typeof records)[number]>();
  for (const r of records) byStudy.set(r.study_id, r);
  // The KeyInfo's subject wins over a metadata row that lacks one.
  for (const r of byStudy.values()) {
    const m = index.get(r.study_id);
    if (m && !m.subject_id) index.set(r.study_id, { ...m, subject_id: r.subject_id });
  }
  const params = QuestionParamsSchema.parse({
    seed: o.seed,
    filterLowFreq: o.threshold !== null,
    ...(o.threshold !== null ? { lowFreqThreshold: o.threshold } : {}),
    difference: (o.difference ?? 'off') !== 'off',
    ...(o.difference === 'paired' ? { pairedLayout: true } : {}),
  });
  const std = [...byStudy.values()].map((r) => ({
    study_id: r.study_id,
    keyinfo: r.keyinfo,
    cycle: 0,
    ...(r.places ? { places: r.places } : {}),
  }));
  const ruleRecords = std.filter((r) => r.places).length;
  const dicts = buildFrequencyDicts(std.map((r) => r.keyinfo));
  const posts = ruleRecords ? loadPostPhraseLibrary() : undefined;
  const result = generateQuestions(std, index, dicts, params, loadDiseaseLibrary(), undefined, o.style, posts);
  fs.mkdirSync(o.out, { recursive: true });
  const file = path.join(o.out, 'questions.csv');
  writeCsv(file, result.pairs, params.difference ? DIFF_CSV_COLUMNS : RELEASE_CSV_COLUMNS);
  const stats = computeStats(result.pairs);
  const summary = {
    style: o.style,
    seed: o.seed,
    low_freq_threshold: result.threshold,
    difference: o.difference ?? 'off',
    keyinfo: path.resolve(o.keyinfo),
    metadata: path.resolve(o.metadata),
    rule_based_records: ruleRecords,
    counts: result.counts,
    by_type: Object.fromEntries(stats.by_type.map((t) => [t.type, t.count])),
    total: result.pairs.length,
  };
  fs.writeFileSync(path.join(o.out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  return {
    file,
    pairs: result.pairs.length,
    records: records.length,
    ruleRecords,
    duplicates: records.length - byStudy.size,
    counts: result.counts,
    stats,
  };
}
