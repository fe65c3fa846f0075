/**
 * The LLM path under the failures real servers show (issue 12). Prints figures; no assertions.
 *
 *   npm run build && npm run bench:llm-faults
 *   npm run bench:llm-faults -- --reports 1000 --concurrency 64 --only clean|faults
 *     [--seed S] [--hang-ms 60000] [--deadline-s 1200] [--median-ms 250] [--no-followup] [--no-stream]
 *     [--capacity N  (the faults run also answers 429 past N requests in flight)] [--keep]
 *
 * Synthetic reports (scripts/lib/synth.ts, each ending in a `STUDY <id>` marker
 * so the server knows the study) go through the built CLI's real
 * `extract` step (backend llm, stored settings otherwise default) against the
 * loopback server in a child process (lognormal latency, median 250 ms, sigma
 * 0.5), once fault-free and once with the fault mix below. The server records
 * which fault it served for every request (GET /__faults).
 *
 * "Truncated replies that became data": final `raw` rows with status ok or
 * repaired whose reply was one the server cut off (finish_reason length). The
 * reply a row holds is found by its request_key: the cached answer's text and
 * finish reason when the response cache has it, else the last reply served
 * under that key. Must be 0.
 *
 * Follow-up: one cycle (`--cycles 1`, rule-based reference) after the
 * extraction, timed apart; accepted answers (applied or unchanged) whose
 * reply was cut off are counted the same way, matched by study and question.
 *
 * Hangs end after --hang-ms (nginx's proxy_read_timeout is 60 s), and every
 * CLI run is killed at --deadline-s, so the bench ends on its own. Only
 * 127.0.0.1 is contacted.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from '../src/pipeline/util/paths.js';
import { synthStudies } from '../scripts/lib/synth.js';
import {
  truncatedAnswers,
  truncatedRows,
  type CachedAnswer,
  type FollowupLogRow,
  type RawRow,
} from '../test/helpers/fault-accounting.js';
import { MIXED_RATES, type FaultReport } from '../test/helpers/loopback-faults.js';
import { startLoopbackServerProcess } from '../test/helpers/loopback-server.js';

const { values: flags } = parseArgs({
  options: {
    reports: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '64' },
    only: { type: 'string' },
    seed: { type: 'string', default: 'issue-12' },
    'hang-ms': { type: 'string', default: '60000' },
    'deadline-s': { type: 'string', default: '1200' },
    'median-ms': { type: 'string', default: '250' },
    'no-followup': { type: 'boolean', default: false },
    'no-stream': { type: 'boolean', default: false },
    capacity: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const N = Number(flags.reports);
const C = Number(flags.concurrency);
const DEADLINE_MS = Number(flags['deadline-s']) * 1000;
const MEDIAN = Number(flags['median-ms']);
const SIGMA = 0.5;
if (flags.only && !['clean', 'faults'].includes(flags.only)) throw new Error('--only clean|faults');

// The same seeded mix the fault-accounting test checks its rates against.
const RATES = MIXED_RATES;

/** A JSONL corpus whose reports name their study inside the part the model sees. */
function writeCorpus(file: string): void {
  const lines: string[] = [];
  for (const s of synthStudies({ studies: N, seed: flags.seed! })) {
    // At the very end: section selection keeps the end of a report (findings to the end, the impression, or the last paragraph).
    const text = `${s.text.trimEnd()} STUDY ${s.study_id}.\n`;
    lines.push(JSON.stringify({ study_id: s.study_id, subject_id: s.subject_id, text }));
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

interface CliRun {
  code: number | null;
  /** The CLI process, start to exit. */
  seconds: number;
  /** The steps' own durations from state.json (no process start-up or preflight), when recorded. */
  stepSeconds?: number;
  killed: boolean;
  stderr: string;
}

function cli(args: string[]): Promise<CliRun> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [path.join(packageRoot(), 'dist', 'src', 'cli.js'), ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-20_000);
  });
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  }, DEADLINE_MS);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, seconds: (performance.now() - t0) / 1000, killed, stderr });
    }),
  );
}

/** Sum of the steps' recorded durations (state.json), read defensively: the state layout is not this bench's. */
function stepSeconds(dir: string, steps: string[]): number | undefined {
  try {
    const state = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')) as {
      steps?: Record<string, { durationMs?: number | null }>;
    };
    const ms = steps.map((s) => state.steps?.[s]?.durationMs);
    return ms.every((x) => typeof x === 'number') ? (ms as number[]).reduce((a, b) => a + b, 0) / 1000 : undefined;
  } catch {
    return undefined;
  }
}

function jsonl<T>(file: string): T[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as T];
      } catch {
        return []; // a torn last line after a kill
      }
    });
}

/** Last row per study wins, as the pipeline reads `raw`. */
function lastPerStudy<T extends { study_id: string }>(rows: T[]): Map<string, T> {
  const m = new Map<string, T>();
  for (const r of rows) m.set(r.study_id, r);
  return m;
}

function countBy<T>(xs: Iterable<T>, f: (x: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[f(x)] = (out[f(x)] ?? 0) + 1;
  return out;
}

async function faultReport(port: number): Promise<FaultReport> {
  const res = await fetch(`http://127.0.0.1:${port}/__faults`);
  return (await res.json()) as FaultReport;
}

interface ModeResult {
  mode: string;
  extract: CliRun;
  rows: number;
  statuses: Record<string, number>;
  served: Record<string, number>;
  variants: Record<string, number>;
  requests: number;
  truncatedData: number;
  truncatedDataBy: Record<string, number>;
  unmatched: number;
  followup: null | {
    run: CliRun;
    requests: number;
    served: Record<string, number>;
    statuses: Record<string, number>;
    truncatedData: number;
    unmatched: number;
  };
}

async function runMode(mode: 'clean' | 'faults', base: string, corpus: string): Promise<ModeResult> {
  const dir = path.join(base, mode);
  const server = await startLoopbackServerProcess({
    latency: { kind: 'lognormal', medianMs: MEDIAN, sigma: SIGMA },
    faults: { seed: flags.seed!, rates: mode === 'faults' ? RATES : {}, hangMs: Number(flags['hang-ms']) },
    ...(mode === 'faults' && flags.capacity ? { capacity: Number(flags.capacity) } : {}),
  });
  try {
    const prep = await cli([
      'run',
      '--run',
      dir,
      '--corpus',
      corpus,
      '--format',
      'jsonl',
      '--no-credentialed',
      '--backend',
      'llm',
      '--steps',
      'ingest,reference',
    ]);
    if (prep.code !== 0) throw new Error(`ingest failed: ${prep.stderr}`);
    if (flags['no-stream'] && (await cli(['llm', 'set', '--run', dir, '--no-stream'])).code !== 0)
      throw new Error('llm set --no-stream failed');
    const llm = [
      '--backend',
      'llm',
      '--endpoint',
      `${server.url},max=${C}`,
      '--model',
      'extractor',
      '--concurrency',
      String(C),
    ];
    const unmarked = jsonl<{ study_id: string; selected: string; text: string }>(
      path.join(dir, 'artifacts', 'reports.jsonl'),
    ).filter((r) => !(r.selected.trim() ? r.selected : r.text).includes(`STUDY ${r.study_id}`)).length;
    if (unmarked)
      console.log(
        `  (${unmarked} reports lost their STUDY marker in section selection: the server sees them under a text hash)`,
      );
    const extract = await cli(['run', '--run', dir, ...llm, '--steps', 'extract']);
    extract.stepSeconds = stepSeconds(dir, ['extract']);
    const afterExtract = await faultReport(server.port);
    const rows = jsonl<RawRow>(path.join(dir, 'artifacts', 'raw.jsonl'));
    const final = lastPerStudy(rows);
    const truncated = truncatedRows(
      rows,
      afterExtract.requests,
      jsonl<CachedAnswer>(path.join(dir, 'llm-cache', 'responses.jsonl')),
    );
    const result: ModeResult = {
      mode,
      extract,
      rows: final.size,
      statuses: countBy(final.values(), (r) => r.status),
      served: afterExtract.counts,
      variants: countBy(
        afterExtract.requests.filter((f) => f.fault !== 'none'),
        (f) => `${f.fault}/${f.variant ?? '-'}`,
      ),
      requests: afterExtract.requests.length,
      truncatedData: truncated.count,
      truncatedDataBy: truncated.by,
      unmatched: truncated.unmatched,
      followup: null,
    };
    if (!flags['no-followup'] && extract.code === 0)
      result.followup = await followupCycle(dir, llm, server.port, afterExtract.requests.length);
    return result;
  } finally {
    await server.close();
  }
}

/** One follow-up cycle after the extraction; its requests are the ones served after `from`. */
async function followupCycle(
  dir: string,
  llm: string[],
  port: number,
  from: number,
): Promise<NonNullable<ModeResult['followup']>> {
  const run = await cli(['run', '--run', dir, ...llm, '--cycles', '1', '--steps', 'standardize,followup']);
  run.stepSeconds = stepSeconds(dir, ['followup']);
  const report = await faultReport(port);
  const served = report.requests.slice(from);
  const log = jsonl<FollowupLogRow>(path.join(dir, 'artifacts', 'followup-log.jsonl'));
  const truncated = truncatedAnswers(log, served);
  return {
    run,
    requests: served.length,
    served: countBy(served, (f) => f.fault),
    statuses: countBy(log, (r) => r.status),
    truncatedData: truncated.count,
    unmatched: truncated.unmatched,
  };
}

const fmt = (o: Record<string, number>) =>
  Object.entries(o)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || '-';
const secs = (r: CliRun) =>
  `${r.seconds.toFixed(1)} s${r.stepSeconds !== undefined ? ` (step ${r.stepSeconds.toFixed(1)} s)` : ''}${r.killed ? ` (killed at the ${flags['deadline-s']} s deadline)` : r.code !== 0 ? ` (exit ${r.code})` : ''}`;

function print(r: ModeResult): void {
  console.log(`\n[${r.mode}] extract: ${secs(r.extract)}; ${r.requests} requests for ${N} reports`);
  console.log(`  rows by status (last per study, ${r.rows} studies): ${fmt(r.statuses)}`);
  console.log(`  requests by fault served: ${fmt(r.served)}`);
  if (r.mode === 'faults') console.log(`  by variant: ${fmt(r.variants)}`);
  console.log(
    `  truncated replies that became data: ${r.truncatedData}${r.truncatedData ? ` (${fmt(r.truncatedDataBy)})` : ''}${r.unmatched ? `; ${r.unmatched} ok/repaired rows matched no served reply` : ''}`,
  );
  if (r.extract.code !== 0)
    console.log(`  CLI stderr (tail): ${r.extract.stderr.split('\n').slice(-6).join('\n    ')}`);
  const f = r.followup;
  if (!f) {
    console.log(
      `  follow-up: not measured${flags['no-followup'] ? ' (--no-followup)' : ' (the extraction did not finish)'}`,
    );
    return;
  }
  console.log(
    `  follow-up cycle 1 (standardize + followup): ${secs(f.run)}; ${f.requests} requests; served ${fmt(f.served)}`,
  );
  console.log(
    `    log rows by status: ${fmt(f.statuses)}; truncated replies that became data: ${f.truncatedData}${f.unmatched ? `; ${f.unmatched} accepted answers matched no served reply` : ''}`,
  );
  if (f.run.code !== 0) console.log(`    CLI stderr (tail): ${f.run.stderr.split('\n').slice(-6).join('\n      ')}`);
}

if (!fs.existsSync(path.join(packageRoot(), 'dist', 'src', 'cli.js'))) throw new Error('build first: npm run build');
console.log(
  `LLM fault bench: ${os.cpus().length} CPUs (nproc ${os.availableParallelism()}), node ${process.version}, load average ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
console.log(
  `  ${N} synthetic reports, concurrency ${C}, built CLI (extract step, backend llm, ${flags['no-stream'] ? 'not streamed' : 'streamed'}, default timeouts and retries), loopback server in a child process, lognormal latency median ${MEDIAN} ms sigma ${SIGMA}`,
);
console.log(
  `  fault mix (seed ${flags.seed}): ${fmt(RATES as Record<string, number>)}; hangs dropped after ${flags['hang-ms']} ms;${flags.capacity ? ` 429 past ${flags.capacity} in flight;` : ''} deadline ${flags['deadline-s']} s per CLI run`,
);
const base = fs.mkdtempSync(path.join(os.tmpdir(), 'cxr-faults-'));
try {
  const corpus = path.join(base, 'corpus.jsonl');
  writeCorpus(corpus);
  const results: ModeResult[] = [];
  for (const mode of ['clean', 'faults'] as const) {
    if (flags.only && flags.only !== mode) continue;
    const r = await runMode(mode, base, corpus);
    print(r);
    results.push(r);
  }
  const [clean, faults] = [results.find((r) => r.mode === 'clean'), results.find((r) => r.mode === 'faults')];
  if (clean && faults) {
    const ratio = (a: CliRun, b: CliRun) =>
      `${(a.seconds / b.seconds).toFixed(2)}× CLI process${a.stepSeconds && b.stepSeconds ? `, ${(a.stepSeconds / b.stepSeconds).toFixed(2)}× step` : ''}`;
    console.log(`\nwall time with faults / fault-free, extract: ${ratio(faults.extract, clean.extract)} (target ≤ 2×)`);
    if (clean.followup && faults.followup)
      console.log(
        `wall time with faults / fault-free, follow-up step: ${ratio(faults.followup.run, clean.followup.run)}`,
      );
  }
} finally {
  if (flags.keep) console.log(`run folders kept in ${base}`);
  else fs.rmSync(base, { recursive: true, force: true });
}
