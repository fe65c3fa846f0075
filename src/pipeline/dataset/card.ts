import { stringify } from 'yaml';
import type { CorpusConfig } from '../schemas/state.js';
import type { DatasetStats } from '../questions/stats.js';
import { fmtNum, fmtPct } from '../util/format.js';
import type { BiasReport } from './bias.js';
import type { CheckReport } from './check.js';
import type { ImageSummary } from './images.js';
import { hfSplit, PARQUET_COLUMNS, type ParquetSplit } from './parquet.js';

/**
 * The dataset card: `dataset/README.md` in the Hugging Face dataset-card format
 * (a YAML header the Hub and `datasets` read, then prose for people).
 */

export interface CardInput {
  toolVersion: string;
  corpus: CorpusConfig | null;
  backend: string;
  /** The questions step's manifest.json as written. */
  manifest: {
    seed: number;
    generator_version: number;
    params: Record<string, unknown>;
    inputs_sha256: Record<string, string | null>;
    files: Array<{ file: string; sha256: string; rows: number }>;
    images?: ImageSummary;
  };
  stats: DatasetStats;
  check: CheckReport;
  bias: BiasReport;
  parquet: ParquetSplit[];
}

const LIST_FEATURES = new Set(['entities', 'ref_entities']);
const feature = (name: string) =>
  LIST_FEATURES.has(name)
    ? { name, sequence: 'string' }
    : { name, dtype: name === 'source_cycle' ? 'int32' : 'string' };

function sizeCategory(n: number): string {
  const bands: Array<[number, string]> = [
    [1e3, 'n<1K'],
    [1e4, '1K<n<10K'],
    [1e5, '10K<n<100K'],
    [1e6, '100K<n<1M'],
    [1e7, '1M<n<10M'],
  ];
  return bands.find(([max]) => n < max)?.[1] ?? '10M<n<100M';
}

/** The license field: MIMIC-derived data carries PhysioNet's credentialed licence; other corpora name theirs by hand. */
function license(corpus: CorpusConfig | null): Record<string, string> {
  if (corpus?.credentialed) {
    return {
      license: 'other',
      license_name: 'physionet-credentialed-health-data-1.5.0',
      license_link: 'https://physionet.org/content/mimic-cxr/view-license/2.0.0/',
    };
  }
  return { license: 'other', license_name: 'source-corpus-terms' };
}

export function cardHeader(c: CardInput): Record<string, unknown> {
  return {
    pretty_name: 'Chest X-ray VQA (cxrvqa, Medical-CXR-VQA method)',
    language: ['en'],
    ...license(c.corpus),
    task_categories: ['visual-question-answering', 'question-answering'],
    tags: ['medical', 'radiology', 'chest-x-ray', 'vqa'],
    size_categories: [sizeCategory(c.stats.total)],
    configs: [
      {
        config_name: 'default',
        data_files: c.parquet.map((p) => ({ split: hfSplit(p.split), path: `data/${hfSplit(p.split)}-*` })),
      },
    ],
    dataset_info: {
      features: PARQUET_COLUMNS.map(feature),
      splits: c.parquet.map((p) => ({ name: hfSplit(p.split), num_examples: p.rows, num_bytes: p.bytes })),
      download_size: c.parquet.reduce((n, p) => n + p.bytes, 0),
    },
  };
}

const row = (cells: Array<string | number>) => `| ${cells.map((x) => String(x).replace(/\|/g, '\\|')).join(' | ')} |`;
const table = (head: string[], rows: Array<Array<string | number>>) =>
  [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');
const pct = (v: number | null) => (v === null ? '-' : fmtPct(v));

function dataUse(c: CardInput): string {
  if (c.corpus?.credentialed) {
    return [
      'The questions and answers are derived from MIMIC-CXR reports, credentialed data under the PhysioNet Credentialed Health Data License 1.5.0 and its data use agreement.',
      'Only credentialed PhysioNet users who signed the agreement may receive this dataset; do not post it publicly or share it with anyone who has not. The images are not included: the `image` paths point into MIMIC-CXR-JPG, which users obtain from PhysioNet themselves.',
      'Report text was not sent to third-party services unless the run recorded a data-use confirmation (see the run settings).',
    ].join('\n\n');
  }
  const source = c.corpus ? `the ${c.corpus.kind} corpus this run read` : "this run's corpus";
  return `The questions and answers are derived from ${source}; its terms apply to this dataset. Fill in \`license_name\` (and \`license_link\`) in the header with those terms before sharing.`;
}

export function renderCard(c: CardInput): string {
  const s = c.stats;
  const body: string[] = [];
  body.push(
    '# Chest X-ray VQA dataset',
    '',
    `Made with cxrvqa ${c.toolVersion} from ${c.corpus ? `a ${c.corpus.kind} corpus` : 'a corpus'} (${c.backend} extraction): ${fmtNum(s.total)} question-answer pairs about ${fmtNum(s.studies)} studies of ${fmtNum(s.subjects)} patients.`,
    '',
  );
  body.push(
    '## Loading',
    '',
    '```python',
    'from datasets import load_dataset',
    'ds = load_dataset("parquet", data_dir="data")  # or load_dataset("<this folder>")',
    '```',
    '',
  );
  body.push(
    "Each row is one pair: `question`, `answer` (`answer_type` closed for yes/no), its `question_type`, the `template` and KeyInfo `entities` it was built from, and `image`, the path of the study's image relative to a MIMIC-CXR-JPG root (`ref_image` for difference questions). `conversations.jsonl` holds the same pairs as LLaVA-style image conversations.",
    '',
  );
  body.push(
    '## Method in short',
    '',
    "Each report is turned into KeyInfo (findings with location, level and type, and stated negatives) by the extraction backend, names are standardized, and questions of seven types (abnormality, presence, view, location, level, type, difference) are drawn from it with per-pair seeded random streams. Every answer follows from the KeyInfo and the study metadata; patients never cross splits. The full method is in the tool's docs/method.md.",
    '',
  );
  body.push(
    '## Statistics',
    '',
    table(
      ['type', 'pairs', 'share', 'yes', 'no'],
      s.by_type
        .filter((t) => t.count)
        .map((t) => [
          t.type,
          fmtNum(t.count),
          fmtPct(t.share),
          t.closed ? fmtPct(t.yes_share) : '-',
          t.closed ? fmtPct(t.no_share) : '-',
        ]),
    ),
    '',
  );
  body.push(
    table(
      ['split', 'pairs'],
      c.parquet.map((p) => [hfSplit(p.split), fmtNum(p.rows)]),
    ),
    '',
  );
  body.push(
    '## Consistency checks',
    '',
    `Every pair re-derived from the final KeyInfo and metadata: ${fmtNum(c.check.violations)} violations in ${fmtNum(c.check.pairs)} pairs.`,
    '',
  );
  const broken = Object.entries(c.check.by_rule).filter(([, r]) => r.count);
  if (broken.length)
    body.push(
      table(
        ['rule', 'violations'],
        broken.map(([k, r]) => [k, fmtNum(r.count)]),
      ),
      '',
    );
  body.push(
    '## Bias',
    '',
    `A question-only baseline (the majority answer per question text, fitted on ${c.bias.fit_split}, scored on ${c.bias.score_split ?? 'no held-out split'}) shows what a model gets without looking at the image. Types above ${fmtPct(c.bias.threshold)} are flagged.`,
    '',
  );
  body.push(
    table(
      ['type', 'entropy (bits)', 'by template', 'by question', 'flag'],
      c.bias.by_type.map((t) => [
        t.type,
        t.entropy_bits.toFixed(2),
        pct(t.baseline.template_accuracy),
        pct(t.baseline.question_accuracy),
        t.flagged ? 'image-free' : '',
      ]),
    ),
    '',
  );
  const img = c.manifest.images;
  body.push(
    '## Images',
    '',
    img?.checked
      ? `Image paths were checked under the MIMIC-CXR-JPG root: ${Object.entries(img.by_split)
          .map(([k, v]) => `${hfSplit(k)} ${fmtNum(v.missing)} of ${fmtNum(v.records)} records missing`)
          .join(', ')}.`
      : 'Image paths were written but not checked against a MIMIC-CXR-JPG copy.',
    '',
  );
  body.push(
    '## Run settings',
    '',
    `Seed ${c.manifest.seed}, generator version ${c.manifest.generator_version}.`,
    '',
    '```json',
    JSON.stringify(c.manifest.params, null, 2),
    '```',
    '',
  );
  body.push(
    'Input and file hashes (sha256):',
    '',
    table(
      ['file', 'sha256'],
      [
        ...Object.entries(c.manifest.inputs_sha256).map(([k, v]) => [`input: ${k}`, v ?? '-']),
        ...c.manifest.files.map((f) => [f.file, f.sha256]),
        ...c.parquet.map((p) => [p.file, p.sha256]),
      ],
    ),
    '',
  );
  body.push('## Data use', '', dataUse(c), '');
  return `---\n${stringify(cardHeader(c), { lineWidth: 0 })}---\n\n${body.join('\n')}`;
}
