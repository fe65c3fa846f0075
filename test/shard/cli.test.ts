import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/pipeline/util/paths.js';
import { llmRunWithReports } from '../extract/fixtures.js';
import { runCli } from '../helpers/run-cli.js';

/** `cxrvqa shard` and `cxrvqa import` from the command line, and their messages on bad input. */

const BIN = path.join(packageRoot(), 'test', 'fixtures', 'bin-offline');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function closedRun(n: number): Promise<string> {
  const run = await llmRunWithReports(n, { model: 'extractor' });
  await run.close();
  dirs.push(run.dir);
  return run.dir;
}

describe('cxrvqa shard / import (CLI)', () => {
  it('writes a shard set, and import completes the extract step from its outputs', async () => {
    const runDir = await closedRun(5);
    const out = path.join(runDir, 'shards');
    const shard = await runCli(['shard', '--run', runDir, '--shards', '2', '--out', out]);
    expect(shard.status, shard.stderr).toBe(0);
    expect(shard.stdout).toContain(`5 requests in 2 shards (2, 3) in ${out}`);
    expect(shard.stdout).toContain(`cxrvqa import ${out} --run ${runDir}`);
    const r = spawnSync('sh', [path.join(out, 'run.sh')], {
      env: { ...process.env, PATH: `${BIN}${path.delimiter}${process.env.PATH}` },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const imported = await runCli(['import', out, '--run', runDir]);
    expect(imported.status, imported.stderr).toBe(0);
    expect(imported.stdout).toContain('shard 0: complete, 2/2 answered (2 new)');
    expect(imported.stdout).toContain('5 answers imported; the extract step is done');
    const status = await runCli(['status', '--run', runDir]);
    expect(status.stdout).toMatch(/extract\s.*done/);
  });

  it('import with shards not run yet names what is missing and how to shard it again (exit 3)', async () => {
    const runDir = await closedRun(4);
    const out = path.join(runDir, 'shards');
    expect((await runCli(['shard', '--run', runDir, '--shards', '2', '--out', out])).status).toBe(0);
    const imported = await runCli(['import', out, '--run', runDir]);
    expect(imported.status).toBe(3);
    expect(imported.stdout).toContain('shard 1: missing, 0/2 answered');
    expect(imported.stdout).toContain(
      `4 requests still have no answer: cxrvqa shard --stage extract --missing-from ${out}`,
    );
  });

  it('bad input: a shard count that is not a number, a folder that is no shard set', async () => {
    const runDir = await closedRun(2);
    const bad = await runCli(['shard', '--run', runDir, '--shards', 'two', '--out', path.join(runDir, 's')]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--shards expects a whole number of at least 1, got "two"');
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'cxr-noshards-'));
    dirs.push(empty);
    const imp = await runCli(['import', empty, '--run', runDir]);
    expect(imp.status).toBe(2);
    expect(imp.stderr).toContain(`${empty} has no manifest.json: it is not a shard set.`);
    expect(imp.stderr).toContain('hint: Give the folder that cxrvqa shard --out wrote.');
  });
});
