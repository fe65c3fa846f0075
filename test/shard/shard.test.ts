import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { extractStep } from '../../src/pipeline/extract/step.js';
import { runStep } from '../../src/pipeline/runner/runStep.js';
import type { ExtractionResult } from '../../src/pipeline/schemas/extraction.js';
import { importShards, shardStage } from '../../src/pipeline/shard/index.js';
import type { AnyStep } from '../../src/pipeline/steps/contract.js';
import type { Run } from '../../src/pipeline/store/run.js';
import { packageRoot } from '../../src/pipeline/util/paths.js';
import { llmRunWithReports } from '../extract/fixtures.js';
import { makeRun as makeFuRun, type FuStudy } from '../followup/fixtures.js';
import { closedAfterEach } from '../helpers/lifecycle.js';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server.js';

/**
 * Sharded offline runs: the requests a step has no answer for become a shard set,
 * run by stand-in `sbatch` and `vllm run-batch` executables (real child processes)
 * that lose a shard, cut an output mid-line, reorder and duplicate lines and fail
 * one request; `import` merges what came back by custom id, and a second shard
 * set of just what is missing completes the step with the live path's KeyInfo.
 */

const BIN = path.join(packageRoot(), 'test', 'fixtures', 'bin-offline');
const runs = closedAfterEach<Run>();
const dirs: string[] = [];
let server: LoopbackServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const env = { confirmations: new Set<string>(), env: {} as NodeJS.ProcessEnv, maxFailed: 1 };
const common = { env, signal: new AbortController().signal };

function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cxr-shard-'));
  dirs.push(d);
  return d;
}

/** Run a script the way a user would, with the stand-ins first on PATH. */
function sh(cmd: string, script: string, cwd: string, extra: Record<string, string> = {}): void {
  const r = spawnSync(cmd, [script], {
    cwd,
    env: { ...process.env, PATH: `${BIN}${path.delimiter}${process.env.PATH}`, ...extra },
    encoding: 'utf8',
  });
  expect(r.status, `${cmd} ${script}: ${r.stderr}`).toBe(0);
}

async function rawRows(run: Run): Promise<ExtractionResult[]> {
  const rows: ExtractionResult[] = [];
  for await (const r of run.artifact<ExtractionResult>('raw').lines()) rows.push(r);
  return rows;
}

describe('cxrvqa shard / import', () => {
  it('imports a shard set out of order with a shard missing, then completes it from a re-shard of what is missing', async () => {
    const run = await llmRunWithReports(12, { model: 'extractor', decoding: { max_tokens: 100 } });
    runs.push(run);
    const out = path.join(tmp(), 'shards');

    const first = await shardStage(run, { ...common, stage: 'extract', shards: 4, out });
    expect(first.outcome).toBe('interrupted');
    expect(first.manifest!.shards.map((s) => s.requests)).toEqual([3, 3, 3, 3]);
    expect(run.state.steps['extract']!.status).toBe('interrupted');
    const sbatch = fs.readFileSync(path.join(out, 'run.sbatch'), 'utf8');
    expect(sbatch).toMatch(/^#SBATCH --array=0-3$/m);
    expect(sbatch).toMatch(
      /vllm run-batch -i "\$DIR\/shard_\$K.jsonl" -o .* --model extractor --served-model-name extractor/,
    );

    // Shard 2 never runs; 3 is cut mid-line; 0 comes back reversed; 1 has a duplicate and a failed request.
    sh('sbatch', path.join(out, 'run.sbatch'), out, {
      STANDIN_SBATCH_SKIP: '2',
      STANDIN_RUNBATCH_FAULTS: JSON.stringify({ 0: 'shuffle', 1: 'dup,error', 3: 'cut' }),
    });
    const got = await importShards(run, out, common);
    expect(got.report.shards.map((s) => s.state)).toEqual(['complete', 'complete', 'missing', 'partial']);
    expect(got.report.shards[3]!.tornLines).toBe(1);
    expect(got.outcome).toBe('interrupted');
    // Shard 2's three, the cut line and the failed request (asked once more, as a live retry would).
    expect(got.stillMissing).toBe(5);
    const partial = await rawRows(run);
    expect(partial).toHaveLength(7);

    // Importing the same outputs again changes nothing.
    const again = await importShards(run, out, common);
    expect(again.report.imported).toBe(0);
    expect(again.stillMissing).toBe(5);
    expect(await rawRows(run)).toHaveLength(7);

    const out2 = path.join(tmp(), 'retry');
    const second = await shardStage(run, { ...common, stage: 'extract', shards: 2, out: out2, missingFrom: out });
    expect(second.manifest!.requests).toBe(5);
    sh('sh', path.join(out2, 'run.sh'), out2);
    const done = await importShards(run, out2, common);
    expect(done.outcome).toBe('done');
    expect(done.stillMissing).toBe(0);
    const rows = await rawRows(run);
    expect(rows).toHaveLength(12);
    expect(new Set(rows.map((r) => r.study_id)).size).toBe(12);
    expect(rows.every((r) => r.status === 'ok')).toBe(true);

    // The live path on the same answers gives the same KeyInfo, byte for byte.
    server = await startLoopbackServer({});
    const live = await llmRunWithReports(12, {
      endpoints: [{ url: server.url }],
      model: 'extractor',
      decoding: { max_tokens: 100 },
    });
    runs.push(live);
    expect(await runStep(live, extractStep as unknown as AnyStep, { signal: new AbortController().signal, env })).toBe(
      'done',
    );
    const keyinfo = (list: ExtractionResult[]) =>
      Object.fromEntries(list.map((r) => [r.study_id, JSON.stringify(r.keyinfo)]));
    expect(keyinfo(rows)).toEqual(keyinfo(await rawRows(live)));
  });

  it('does not trust a shard whose request file changed, and refuses to overwrite a shard set', async () => {
    const run = await llmRunWithReports(4, { model: 'extractor' });
    runs.push(run);
    const out = path.join(tmp(), 'shards');
    await shardStage(run, { ...common, stage: 'extract', shards: 2, out });
    sh('sh', path.join(out, 'run.sh'), out);
    fs.appendFileSync(path.join(out, 'shard_1.jsonl'), '\n');
    const got = await importShards(run, out, common);
    expect(got.report.shards.map((s) => s.state)).toEqual(['complete', 'changed']);
    expect(got.stillMissing).toBe(2);
    await expect(shardStage(run, { ...common, stage: 'extract', shards: 2, out })).rejects.toThrow(
      /already holds a shard set/,
    );
  });
});

describe('cxrvqa shard --stage followup', () => {
  it('runs a follow-up cycle as successive shard sets, one question per study each, until every chain is done', async () => {
    const studies: FuStudy[] = Array.from({ length: 3 }, () => ({
      positives: ['edema'],
      refPositives: ['edema', 'atelectasis'],
      refNegatives: ['pneumothorax', 'consolidation'],
    }));
    const { run } = await makeFuRun(studies, 'http://127.0.0.1:9/v1');
    runs.push(run);
    const root = tmp();
    const sizes: number[] = [];
    let dir = path.join(root, 'set0');
    let r = await shardStage(run, { ...common, stage: 'followup', shards: 2, out: dir });
    for (let i = 1; r.manifest; i++) {
      expect(r.manifest.stage).toBe('followup-1');
      expect(r.manifest.cycle).toBe(1);
      sizes.push(r.manifest.requests);
      sh('sh', path.join(dir, 'run.sh'), dir);
      const got = await importShards(run, dir, common);
      if (got.outcome === 'done') break;
      const next = path.join(root, `set${i}`);
      r = await shardStage(run, { ...common, stage: 'followup', shards: 2, out: next, missingFrom: dir, cycle: 1 });
      dir = next;
    }
    // Three questions per study (consolidation, pneumothorax, atelectasis), asked one after another.
    expect(sizes).toEqual([3, 3, 3]);
    const rows: Array<{ study_id: string; cycle: number; asked: number }> = [];
    for await (const row of run.artifact<{ study_id: string; cycle: number; asked: number }>('followup').lines())
      rows.push(row);
    expect(rows.map((x) => [x.cycle, x.asked])).toEqual([
      [1, 3],
      [1, 3],
      [1, 3],
    ]);
  });
});
