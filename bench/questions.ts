/**
 * npm run bench:questions — question generation + export + statistics over
 * 227,835 synthetic standardized records (the size of MIMIC-CXR) held in memory.
 * Prints wall time per phase, the total, and peak RSS. Target: total ≤ 10 s.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { copyAs, writeConversations, writeCsv } from '../src/pipeline/questions/export.js';
import { JsonlArtifact } from '../src/pipeline/store/jsonl.js';
import { Run } from '../src/pipeline/store/run.js';
import { runStep } from '../src/pipeline/runner/runner.js';
import { questionsStep } from '../src/pipeline/questions/step.js';
import type { AnyStep } from '../src/pipeline/steps/contract.js';
import { buildMetadataIndex, generateQuestions } from '../src/pipeline/questions/generate.js';
import { loadDiseaseLibrary } from '../src/pipeline/questions/library.js';
import { QuestionParamsSchema } from '../src/pipeline/questions/schema.js';
import { computeStats, formatStatsTable } from '../src/pipeline/questions/stats.js';
import { buildFrequencyDicts } from '../src/pipeline/standardize/dictionaries.js';
import { phase, printPhases } from './phases.js';
import { seedQuestionsInputs, synthesize } from './synthetic.js';

const N = Number(process.env.BENCH_RECORDS ?? 227_835);
const difference = process.env.BENCH_DIFFERENCE === '1';

const t = () => performance.now();

const setupStart = t();
const { records, metas } = synthesize(N);
const diseases = loadDiseaseLibrary();
const setupMs = t() - setupStart;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cxrvqa-bench-q-'));
try {
  const params = QuestionParamsSchema.parse({ seed: 0, difference, lowFreqThreshold: 10 });
  const index = await phase('metadata index', () => buildMetadataIndex(metas));
  const dicts = await phase('frequency dictionaries', () => buildFrequencyDicts(records.map((r) => r.keyinfo)));
  const result = await phase('generate questions', () => generateQuestions(records, index, dicts, params, diseases));
  // The same writes as the questions step: the artifact, then the dataset folder.
  await phase('write questions artifact', () => {
    const art = new JsonlArtifact<{ study_id: string }>(path.join(dir, 'questions.jsonl'));
    for (let i = 0; i < result.pairs.length; i += 10_000) art.appendMany(result.pairs.slice(i, i + 10_000));
    art.close();
  });
  await phase('export qa.csv', () => writeCsv(path.join(dir, 'qa.csv'), result.pairs));
  await phase('export qa.jsonl (copy+hash)', () =>
    copyAs(path.join(dir, 'questions.jsonl'), path.join(dir, 'qa.jsonl')),
  );
  await phase('export conversations.jsonl', () =>
    writeConversations(path.join(dir, 'conversations.jsonl'), result.pairs, index),
  );
  const stats = await phase('statistics', () => computeStats(result.pairs));

  console.log(
    `records: ${N.toLocaleString('en-US')} standardized (synthetic, in memory; setup ${(setupMs / 1000).toFixed(2)} s, not timed)`,
  );
  console.log(`difference questions: ${difference ? 'on' : 'off'} · low-frequency threshold 10`);
  printPhases(28);
  const sizes = ['qa.csv', 'qa.jsonl', 'conversations.jsonl'].map(
    (f) => `${f} ${(fs.statSync(path.join(dir, f)).size / 1e6).toFixed(1)} MB`,
  );
  console.log(`QA pairs: ${result.pairs.length.toLocaleString('en-US')} · ${sizes.join(' · ')}`);
  console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  console.log('');
  console.log(formatStatsTable(stats));

  if (process.env.BENCH_STEP === '1') {
    // The whole step as the pipeline runs it: read both artifacts from disk (validated), generate,
    // write the artifact and the dataset folder, hash the inputs for the manifest.
    const runDir = path.join(dir, 'run');
    const run = await Run.open(runDir, { create: true });
    try {
      const text = 'FINDINGS: '.padEnd(600, 'synthetic report text ');
      await seedQuestionsInputs(
        run,
        { records, metas },
        (m) => ({
          ...m,
          source: `files/p${m.subject_id.slice(0, 2)}/p${m.subject_id}/s${m.study_id}.txt`,
          text,
          selected: text,
          rule_text: text,
          selected_offset: 0,
          rule_offset: 0,
          extra: {},
        }),
        difference,
      );
      const w0 = t();
      const c0 = process.cpuUsage();
      const outcome = await runStep(run, questionsStep as unknown as AnyStep, {
        signal: new AbortController().signal,
        env: { confirmations: new Set(), env: {} },
      });
      const c = process.cpuUsage(c0);
      console.log('');
      console.log(
        `full questions step from disk (reports ${(fs.statSync(run.artifactPath('reports')).size / 1e6).toFixed(0)} MB, standardized ${(fs.statSync(run.artifactPath('standardized')).size / 1e6).toFixed(0)} MB): ${outcome} in ${((t() - w0) / 1000).toFixed(2)} s wall, ${((c.user + c.system) / 1e6).toFixed(2)} s cpu; ${run.state.steps.questions?.summary}`,
      );
      console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
    } finally {
      await run.close();
    }
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
