/**
 * npm run bench:dataset — the check step's work on 227,835 synthetic studies (the size of
 * MIMIC-CXR): the consistency check of every QA pair, the bias report and the Parquet splits.
 * Questions are generated first (not timed). Prints wall and CPU time per phase and peak RSS.
 * Target: check + bias + Parquet ≤ 10 s, peak RSS ≤ 1.5 GB.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { biasReport } from '../src/pipeline/dataset/bias.js';
import { ConsistencyChecker } from '../src/pipeline/dataset/check.js';
import { ROW_GROUP_ROWS, writeParquetSplits } from '../src/pipeline/dataset/parquet.js';
import { checkStep } from '../src/pipeline/dataset/step.js';
import { buildMetadataIndex, generateQuestions } from '../src/pipeline/questions/generate.js';
import { questionsStep } from '../src/pipeline/questions/step.js';
import { runStep } from '../src/pipeline/runner/runner.js';
import type { AnyStep } from '../src/pipeline/steps/contract.js';
import { Run } from '../src/pipeline/store/run.js';
import { loadDiseaseLibrary } from '../src/pipeline/questions/library.js';
import { QuestionParamsSchema } from '../src/pipeline/questions/schema.js';
import { buildFrequencyDicts } from '../src/pipeline/standardize/dictionaries.js';
import { phase, printPhases } from './phases.js';
import { seedQuestionsInputs, synthesize } from './synthetic.js';

const N = Number(process.env.BENCH_RECORDS ?? 227_835);
const difference = process.env.BENCH_DIFFERENCE !== '0';

const t = () => performance.now();

const s0 = t();
const { records, metas } = synthesize(N);
const diseases = loadDiseaseLibrary();
const params = QuestionParamsSchema.parse({ seed: 0, difference, lowFreqThreshold: 10 });
const index = buildMetadataIndex(metas);
const dicts = buildFrequencyDicts(records.map((r) => r.keyinfo));
const { pairs } = generateQuestions(records, index, dicts, params, diseases);
const setup = t() - s0;
const rssBefore = process.memoryUsage().rss;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cxrvqa-bench-ds-'));
try {
  const byId = new Map(records.map((r) => [r.study_id, r]));
  const check = await phase('consistency check', () => {
    // The step rebuilds the dictionaries from the records it reads, so that is timed too.
    const c = new ConsistencyChecker({
      records: byId,
      metadata: index,
      dicts: buildFrequencyDicts(records.map((r) => r.keyinfo)),
      params,
      diseases,
    });
    for (const p of pairs) c.add(p);
    return c.report();
  });
  const bias = await phase('bias report', () => biasReport(pairs));
  const parquet = await phase('parquet splits', () =>
    writeParquetSplits(dir, pairs, index, Number(process.env.BENCH_ROW_GROUP ?? ROW_GROUP_ROWS)),
  );

  console.log(
    `studies: ${N.toLocaleString('en-US')} synthetic · QA pairs: ${pairs.length.toLocaleString('en-US')} (difference ${difference ? 'on' : 'off'}; generation ${(setup / 1000).toFixed(1)} s, not timed)`,
  );
  printPhases(22);
  console.log(
    `violations: ${check.violations} · flagged types: ${bias.flagged.join(', ') || 'none'} · question-only baseline ${((bias.overall.question_accuracy ?? 0) * 100).toFixed(1)}% on ${bias.score_split}`,
  );
  console.log(
    `parquet: ${parquet.map((p) => `${p.file} ${p.rows.toLocaleString('en-US')} rows, ${p.row_groups} row groups, ${(p.bytes / 1e6).toFixed(1)} MB`).join(' · ')}`,
  );
  console.log(
    `RSS after generation ${(rssBefore / 2 ** 20).toFixed(0)} MB · peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (target ≤ 1,536 MB)`,
  );

  if (process.env.BENCH_STEP === '1') {
    // The whole check step as the pipeline runs it: after the questions step, everything read
    // back from the run's artifacts on disk (validated), the outputs written into the dataset folder.
    const run = await Run.open(path.join(dir, 'run'), { create: true });
    try {
      await seedQuestionsInputs(
        run,
        { records, metas },
        (m) => ({ ...m, text: 'FINDINGS: synthetic.', extra: {} }),
        difference,
      );
      const opts = { signal: new AbortController().signal, env: { confirmations: new Set<string>(), env: {} } };
      await runStep(run, questionsStep as unknown as AnyStep, opts);
      const w0 = t();
      const c0 = process.cpuUsage();
      const outcome = await runStep(run, checkStep as unknown as AnyStep, opts);
      const c = process.cpuUsage(c0);
      console.log(
        `full check step from disk: ${outcome} in ${((t() - w0) / 1000).toFixed(2)} s wall, ${((c.user + c.system) / 1e6).toFixed(2)} s cpu; ${run.state.steps.check?.summary}`,
      );
      console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
    } finally {
      await run.close();
    }
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
