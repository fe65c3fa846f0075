import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { REPORTS } from '../ingest/artifacts.js';
import { QUESTIONS } from '../questions/artifacts.js';
import { loadDiseaseLibrary } from '../questions/library.js';
import { QuestionParamsSchema, type QaPair } from '../questions/schema.js';
import { computeStats } from '../questions/stats.js';
import { DATASET_DIR, readInputs, toolVersion } from '../questions/step.js';
import { styleOf } from '../runner/style.js';
import { buildFrequencyDicts } from '../standardize/dictionaries.js';
import { STANDARDIZED } from '../standardize/artifacts.js';
import type { Step } from '../steps/contract.js';
import type { Run } from '../store/run.js';
import { UserError } from '../util/errors.js';
import { VIOLATIONS, type ViolationRow } from './artifacts.js';
import { biasReport, type BiasReport } from './bias.js';
import { renderCard, type CardInput } from './card.js';
import { ConsistencyChecker, type CheckReport } from './check.js';
import { removeStaleParquet, ROW_GROUP_ROWS, writeParquetSplits } from './parquet.js';
import { fmtNum } from '../util/format.js';

export const CheckParamsSchema = z.object({
  /** Rows per Parquet row group. */
  rowGroupRows: z.number().int().min(1).default(ROW_GROUP_ROWS),
});
export type CheckParams = z.infer<typeof CheckParamsSchema>;

export const CHECK_FILE = 'check.json';
export const BIAS_FILE = 'bias.json';
export const CARD_FILE = 'README.md';

/** What the check step saved: read by `cxrvqa check`, the run report and the app. */
export interface DatasetChecks {
  check: CheckReport;
  bias: BiasReport;
}

/**
 * The dataset's last stage (docs/dataset.md):
 * checks every pair against its KeyInfo, writes the bias report, the Parquet
 * splits and the dataset card beside the questions step's exports.
 */
export const checkStep: Step<typeof CheckParamsSchema> = {
  id: 'check',
  title: 'Dataset checks and card',
  description:
    'Re-derive every QA pair from KeyInfo and metadata (0 violations expected), report answer bias and a question-only baseline, write Parquet splits and the dataset card.',
  params: CheckParamsSchema,
  reads: [QUESTIONS, STANDARDIZED, REPORTS],
  writes: [VIOLATIONS],
  requires: () => [QUESTIONS, STANDARDIZED, REPORTS],
  async preflight(ctx) {
    if (!fs.existsSync(path.join(ctx.run.dir, DATASET_DIR, 'manifest.json'))) {
      throw new UserError(
        'The questions step has not written a dataset yet.',
        'Run it first: cxrvqa run --steps questions',
      );
    }
  },
  async run(ctx) {
    const { run } = ctx;
    const questionParams = QuestionParamsSchema.parse(run.state.steps.questions?.params ?? {});
    const { records, index } = await readInputs(ctx);
    const pairs: QaPair[] = [];
    for await (const p of run.open(QUESTIONS).lines()) pairs.push(p);
    ctx.signal.throwIfAborted();
    ctx.emit({ type: 'progress', done: 0, total: pairs.length });

    const violations = run.open(VIOLATIONS);
    const checker = new ConsistencyChecker(
      {
        records,
        metadata: index,
        dicts: buildFrequencyDicts([...records.values()].map((r) => r.keyinfo)),
        params: questionParams,
        diseases: loadDiseaseLibrary(),
        style: styleOf(run),
      },
      (rule, v) => violations.append({ ...v, rule } satisfies ViolationRow),
    );
    pairs.forEach((p, i) => {
      checker.add(p);
      if ((i + 1) % 10_000 === 0) ctx.emit({ type: 'progress', done: i + 1, total: pairs.length });
    });
    ctx.emit({ type: 'progress', done: pairs.length, total: pairs.length });
    violations.close();
    const check = checker.report();
    const bias = biasReport(pairs);

    const dir = run.outputDir(DATASET_DIR);
    fs.writeFileSync(path.join(dir, CHECK_FILE), JSON.stringify(check, null, 2) + '\n');
    fs.writeFileSync(path.join(dir, BIAS_FILE), JSON.stringify(bias, null, 2) + '\n');
    const parquet = writeParquetSplits(dir, pairs, index, ctx.params.rowGroupRows);
    removeStaleParquet(dir, parquet);
    const card: CardInput = {
      toolVersion: toolVersion(),
      corpus: run.state.config.corpus ?? null,
      backend: run.state.config.backend,
      manifest: JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as CardInput['manifest'],
      stats: computeStats(pairs),
      check,
      bias,
      parquet,
    };
    fs.writeFileSync(path.join(dir, CARD_FILE), renderCard(card));

    for (const [rule, r] of Object.entries(check.by_rule)) {
      if (r.count)
        ctx.emit({
          type: 'log',
          level: 'error',
          message: `${r.count} pairs break the ${rule} rule, e.g. ${r.examples[0]!.question} → ${r.examples[0]!.answer} (${r.examples[0]!.detail})`,
        });
    }
    if (bias.flagged.length)
      ctx.emit({
        type: 'log',
        level: 'warn',
        message: `answerable without the image (question-only baseline above ${bias.threshold * 100}%): ${bias.flagged.join(', ')}`,
      });
    return {
      counts: {
        pairs: check.pairs,
        violations: check.violations,
        flagged_types: bias.flagged.length,
        parquet_files: parquet.length,
        'check-violations': check.violations,
      },
      summary: `${check.violations} violations in ${fmtNum(check.pairs)} pairs · ${bias.flagged.length ? `image-free: ${bias.flagged.join(', ')}` : 'no type answerable from the question alone'} · ${parquet.length} Parquet splits + README.md`,
    };
  },
  async preview(run: Run) {
    const c = readDatasetChecks(run);
    return c ? `${c.check.violations} violations · flagged: ${c.bias.flagged.join(', ') || 'none'}` : 'not checked yet';
  },
};

/** The saved check and bias results, or null before the check step ran. */
export function readDatasetChecks(run: Run): DatasetChecks | null {
  const dir = path.join(run.dir, DATASET_DIR);
  const read = (f: string) =>
    fs.existsSync(path.join(dir, f)) ? JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) : null;
  const check = read(CHECK_FILE) as CheckReport | null;
  const bias = read(BIAS_FILE) as BiasReport | null;
  return check && bias ? { check, bias } : null;
}
