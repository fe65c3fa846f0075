import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/pipeline/util/paths.js';
import { jsonlLlmRunArgs } from '../helpers/kill-run.js';
import { startBatchServer } from '../helpers/loopback-batch.js';
import type { LoopbackServer } from '../helpers/loopback-server.js';
import { syntheticReports } from '../helpers/reports.js';

/**
 * kill -9 while a batch is being polled: the next run finds the batch id in the
 * run state and polls it to the end instead of submitting the requests again.
 * Real processes against the built CLI (npm run build).
 */

const CLI = path.join(packageRoot(), 'dist', 'src', 'cli.js');
let server: LoopbackServer | null = null;
let dir: string | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = null;
});

function cli(args: string[]): { child: ChildProcess; stderr: () => string } {
  const child = spawn(process.execPath, [CLI, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  return { child, stderr: () => err };
}

const exited = (c: ChildProcess) =>
  new Promise<number | null>((resolve) =>
    c.exitCode !== null || c.signalCode !== null ? resolve(c.exitCode) : c.once('exit', (code) => resolve(code)),
  );

describe('the batch engine across kill -9', () => {
  it('a run killed mid-poll resumes polling the same batch and submits nothing twice', async () => {
    expect(fs.existsSync(CLI), 'build first: npm run build').toBe(true);
    const started = await startBatchServer({ perPoll: 2 });
    server = started.server;
    const { batch } = started;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cxr-batch-kill-'));
    const corpus = path.join(dir, 'corpus.jsonl');
    const n = 15;
    fs.writeFileSync(
      corpus,
      syntheticReports(n)
        .map((r) => JSON.stringify({ study_id: r.study_id, subject_id: r.subject_id, text: r.text }))
        .join('\n') + '\n',
    );
    const runDir = path.join(dir, 'run');
    const set = cli(['llm', 'set', '--run', runDir, '--engine', 'batch', '--batch-poll', '0.05']);
    expect(await exited(set.child), set.stderr()).toBe(0);
    const args = jsonlLlmRunArgs({ runDir, corpus, url: server.url, endpointMax: 4, steps: 'ingest,extract' });

    const first = cli(args);
    // Killed once the batch is running and partly answered (each poll answers two more lines).
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (batch.polls >= 3) {
          clearInterval(timer);
          first.child.kill('SIGKILL');
          resolve();
        }
      }, 5);
      first.child.once('exit', () => {
        clearInterval(timer);
        if (batch.polls < 3) reject(new Error(`first run ended before the kill: ${first.stderr()}`));
      });
    });
    await exited(first.child);
    const state = JSON.parse(fs.readFileSync(path.join(runDir, 'state.json'), 'utf8')) as {
      batches: { jobs?: { open: Array<{ id: string; requests: number }> } };
    };
    expect(state.batches.jobs?.open.map((j) => j.requests)).toEqual([n]);
    expect(batch.created).toBe(1);

    const second = cli(args);
    expect(await exited(second.child), second.stderr()).toBe(0);
    expect(second.stderr()).toMatch(/resuming batch batch_\d+ \(15 requests/);
    expect(batch.created).toBe(1);
    expect(batch.linesReceived).toBe(n);
    const rows = fs
      .readFileSync(path.join(runDir, 'artifacts', 'raw.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { study_id: string; status: string });
    expect(rows).toHaveLength(n);
    expect(new Set(rows.map((r) => r.study_id)).size).toBe(n);
    expect(rows.every((r) => r.status === 'ok')).toBe(true);
    const after = JSON.parse(fs.readFileSync(path.join(runDir, 'state.json'), 'utf8')) as typeof state;
    expect(after.batches.jobs?.open).toEqual([]);
    expect(batch.files()).toEqual([]);
  }, 120_000);
});
