/**
 * npm run bench:ingest [-- --studies N --seed S --dir BASE --zip]
 * Generates a synthetic MIMIC-CXR tree (default 227,835 studies) in a temp folder,
 * ingests it through the real ingest step into a temp run, prints the figures,
 * and deletes everything. Targets: ingest <= 60 s and <= 1.5 GB RSS on 2 cores.
 * The tree was just written, so reads come from the page cache (warm).
 * --zip: the tree is packed as PhysioNet ships it (mimic-cxr-reports.zip, deflated,
 * under a top folder, metadata beside it) by the system `zip` program and the zip
 * is ingested in place. Target: <= 30 s, <= 1.5 GB.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ingestStep } from '../src/pipeline/ingest/step.js';
import { runStep } from '../src/pipeline/runner/runner.js';
import type { AnyStep } from '../src/pipeline/steps/contract.js';
import { Run } from '../src/pipeline/store/run.js';
import { MIMIC_STUDIES } from '../scripts/lib/synth.js';
import { writeCorpus } from '../scripts/lib/writeCorpus.js';

const { values } = parseArgs({
  options: {
    studies: { type: 'string', default: String(MIMIC_STUDIES) },
    seed: { type: 'string', default: '42' },
    /** Where the temp folder goes (default os.tmpdir()); e.g. /dev/shm to take the disk out of the figures. */
    dir: { type: 'string', default: os.tmpdir() },
    zip: { type: 'boolean', default: false },
  },
});
const studies = Number(values.studies);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

const tmp = fs.mkdtempSync(path.join(values.dir!, 'cxrvqa-bench-ingest-'));
console.log(`temp folder: ${tmp}`);
try {
  const corpus = path.join(tmp, 'corpus');
  let t = performance.now();
  const made = await writeCorpus({ out: corpus, studies, seed: values.seed! });
  const genSeconds = (performance.now() - t) / 1000;
  console.log(`generate: ${made.studies} studies, ${made.subjects} subjects in ${genSeconds.toFixed(1)} s`);
  const input = values.zip ? packAsShipped(corpus) : corpus;

  const run = await Run.open(path.join(tmp, 'run'), { create: true });
  await run.update(
    (s) => void (s.config.corpus = { kind: 'mimic', path: input, metadata: null, columns: {}, credentialed: false }),
  );
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 100);
  t = performance.now();
  const outcome = await runStep(run, ingestStep as unknown as AnyStep, {
    signal: new AbortController().signal,
    env: { confirmations: new Set(), env: process.env },
  });
  const ingestSeconds = (performance.now() - t) / 1000;
  clearInterval(sampler);
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  const counts = run.state.steps.ingest?.counts ?? {};
  const reportsBytes = fs.statSync(run.artifactPath('reports')).size;
  await run.close();

  const ingested = counts.ingested ?? 0;
  console.log(
    `ingest:   ${outcome}; ${ingested} ingested, ${counts.skipped ?? 0} skipped, ${counts.warnings ?? 0} warnings in ${ingestSeconds.toFixed(1)} s`,
  );
  console.log(
    `rate:     ${(ingested / ingestSeconds).toFixed(0)} studies/s (target: ${studies} in <= ${values.zip ? 30 : 60} s)`,
  );
  console.log(
    `memory:   peak RSS of the process ${mb(process.resourceUsage().maxRSS * 1024)} (includes generation); sampled during ingest ${mb(rssPeak)} (from ${mb(rssBefore)} before; target <= 1.5 GB)`,
  );
  console.log(
    `output:   reports.jsonl ${mb(reportsBytes)}; ${os.cpus().length} CPUs, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
} finally {
  const t = performance.now();
  fs.rmSync(tmp, { recursive: true, force: true });
  console.log(`cleanup:  ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

/**
 * Zip the tree's files/ as mimic-cxr-reports/files/... with metadata.csv beside the zip.
 * The tree is moved aside, not deleted here: deleting 290k files and folders took
 * longer than everything else on a busy disk; the final cleanup removes it.
 */
function packAsShipped(corpus: string): string {
  const t = performance.now();
  const base = path.dirname(corpus);
  const top = path.join(base, 'mimic-cxr-reports');
  fs.renameSync(corpus, top);
  const zip = path.join(base, 'shipped', 'mimic-cxr-reports.zip');
  fs.mkdirSync(path.dirname(zip));
  try {
    execFileSync('zip', ['-r', '-q', zip, 'mimic-cxr-reports/files'], { cwd: base, stdio: 'inherit' });
  } catch (err) {
    throw new Error(`bench:ingest --zip packs the tree with the zip program (apt-get install zip): ${String(err)}`, {
      cause: err,
    });
  }
  fs.renameSync(path.join(top, 'metadata.csv'), path.join(path.dirname(zip), 'metadata.csv'));
  const mb = fs.statSync(zip).size / 1024 / 1024;
  console.log(`zip:      ${zip} ${mb.toFixed(0)} MB in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return zip;
}
