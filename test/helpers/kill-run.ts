import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../../src/pipeline/util/paths.js';
import { startLoopbackServer, type Latency } from './loopback-server.js';
import { syntheticReports } from './reports.js';

/**
 * Crash-and-resume scenario against the built CLI: run ingest + extract with
 * the LLM backend, kill -9 once `killAfter` rows are written, run again to the
 * end, and report what the server was asked and what `raw` holds.
 */
export interface KillRunResult {
  reports: number;
  rowsAtKill: number;
  rows: number;
  distinctIds: number;
  duplicateIds: number;
  notOk: number;
  requests: number;
  /** Reports the server was asked for more than once. */
  askedTwice: number;
  concurrency: number;
  exitCode: number | null;
  seconds: number;
  stderr: string;
}

function lineCount(file: string): number {
  if (!fs.existsSync(file)) return 0;
  const b = fs.readFileSync(file);
  let n = 0;
  for (let i = 0; i < b.length; i++) if (b[i] === 10) n++;
  return n;
}

function cli(args: string[]): ChildProcess {
  return spawn(process.execPath, [path.join(packageRoot(), 'dist', 'src', 'cli.js'), ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
}

/** `cxrvqa run` of a JSONL corpus on the LLM backend against one endpoint (the kill tests and benches). */
export function jsonlLlmRunArgs(o: {
  runDir: string;
  corpus: string;
  url: string;
  endpointMax: number;
  steps: string;
}): string[] {
  return [
    'run',
    '--run',
    o.runDir,
    '--corpus',
    o.corpus,
    '--format',
    'jsonl',
    '--no-credentialed',
    '--backend',
    'llm',
    '--endpoint',
    `${o.url},max=${o.endpointMax}`,
    '--model',
    'extractor',
    '--steps',
    o.steps,
  ];
}

export async function killAndResume(opts: {
  reports: number;
  killAfter: number;
  concurrency: number;
  latency: Latency;
}): Promise<KillRunResult> {
  const t0 = Date.now();
  const server = await startLoopbackServer({ latency: opts.latency });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cxr-kill-'));
  const corpus = path.join(dir, 'corpus.jsonl');
  fs.writeFileSync(
    corpus,
    syntheticReports(opts.reports)
      .map((r) => JSON.stringify({ study_id: r.study_id, subject_id: r.subject_id, text: r.text }))
      .join('\n') + '\n',
  );
  const runDir = path.join(dir, 'run');
  const args = jsonlLlmRunArgs({
    runDir,
    corpus,
    url: server.url,
    endpointMax: opts.concurrency,
    steps: 'ingest,extract',
  });
  const raw = path.join(runDir, 'artifacts', 'raw.jsonl');
  try {
    // The total concurrency is a run setting (default 32): store it first.
    const set = cli(['llm', 'set', '--run', runDir, '--concurrency', String(opts.concurrency)]);
    await new Promise((r) => set.on('exit', r));
    // First run: kill -9 once enough rows are on disk. In flight ≤ the endpoint's max.
    const first = cli([...args]);
    let stderr = '';
    first.stderr!.on('data', (d) => (stderr += d));
    const rowsAtKill = await new Promise<number>((resolve, reject) => {
      const timer = setInterval(() => {
        const n = lineCount(raw);
        if (n >= opts.killAfter) {
          clearInterval(timer);
          first.kill('SIGKILL');
          resolve(n);
        }
      }, 5);
      first.on('exit', () => {
        clearInterval(timer);
        reject(new Error(`first run ended before the kill: ${stderr}`));
      });
    });
    await new Promise((r) => first.once('exit', r));
    // Second run: same command; resumes.
    const second = cli([...args]);
    let stderr2 = '';
    second.stderr!.on('data', (d) => (stderr2 += d));
    const exitCode = await new Promise<number | null>((r) => second.on('exit', (code) => r(code)));
    const ids = new Map<string, number>();
    let notOk = 0;
    for (const line of fs.readFileSync(raw, 'utf8').split('\n')) {
      if (!line) continue;
      const rec = JSON.parse(line) as { study_id: string; status: string };
      ids.set(rec.study_id, (ids.get(rec.study_id) ?? 0) + 1);
      if (rec.status !== 'ok') notOk++;
    }
    const asked = new Map<string, number>();
    for (const q of server.requests) asked.set(q.userText, (asked.get(q.userText) ?? 0) + 1);
    return {
      reports: opts.reports,
      rowsAtKill,
      rows: [...ids.values()].reduce((a, b) => a + b, 0),
      distinctIds: ids.size,
      duplicateIds: [...ids.values()].filter((n) => n > 1).length,
      notOk,
      requests: server.count,
      askedTwice: [...asked.values()].filter((n) => n > 1).length,
      concurrency: opts.concurrency,
      exitCode,
      seconds: (Date.now() - t0) / 1000,
      stderr: stderr2,
    };
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
