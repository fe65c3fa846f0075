import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFile } from '../ingest/fixtures.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/tmp.js';

let tmp: ReturnType<typeof makeTempDir>;
afterEach(() => tmp?.cleanup());

const csv = (dir: string) =>
  writeFile(path.join(dir, 'c.csv'), 'study_id,report\n1001,"FINDINGS: Small left pleural effusion."\n');

describe('cxrvqa: small CLI behaviours', () => {
  it('an unknown option exits 2, like an unknown command', async () => {
    const option = await runCli(['status', '--bogus']);
    expect(option.stderr).toMatch(/unknown option '--bogus'/);
    expect(option.status).toBe(2);
    const command = await runCli(['statsu']);
    expect(command.status).toBe(2);
    const choice = await runCli(['run', '--backend', 'nope']);
    expect(choice.status).toBe(2);
    // Help and the version are not errors.
    expect((await runCli(['--version'])).status).toBe(0);
  });

  it('a refused pre-check leaves no run folder behind (nor the parents it would have made)', async () => {
    tmp = makeTempDir();
    const missing = await runCli(['run', '--corpus', '/nonexistent', '--run', path.join(tmp.dir, 'x')]);
    expect(missing.status).toBe(2);
    expect(fs.existsSync(path.join(tmp.dir, 'x'))).toBe(false);

    const nested = path.join(tmp.dir, 'runs', 'deep', 'r');
    const noModel = await runCli(['run', '--corpus', csv(tmp.dir), '--backend', 'llm', '--run', nested]);
    expect(noModel.stderr).toMatch(/No model is configured/);
    expect(noModel.status).toBe(2);
    expect(fs.existsSync(path.join(tmp.dir, 'runs'))).toBe(false);

    const badPrompt = await runCli(['llm', 'set', '--run', path.join(tmp.dir, 'y'), '--prompt', '/no/such/prompt.txt']);
    expect(badPrompt.status).toBe(2);
    expect(fs.existsSync(path.join(tmp.dir, 'y'))).toBe(false);
  });

  it('a refused pre-check keeps a run that existed before, and a run whose steps started', async () => {
    tmp = makeTempDir();
    const run = path.join(tmp.dir, 'run');
    expect((await runCli(['run', '--steps', 'ingest', '--corpus', csv(tmp.dir), '--run', run])).status).toBe(0);
    const refused = await runCli(['run', '--backend', 'llm', '--run', run]);
    expect(refused.status).toBe(2);
    expect(fs.existsSync(path.join(run, 'artifacts', 'reports.jsonl'))).toBe(true);
  });

  it('`finetune files` marks the files that do not exist yet', async () => {
    tmp = makeTempDir();
    const run = path.join(tmp.dir, 'run');
    await runCli(['run', '--steps', 'ingest', '--corpus', csv(tmp.dir), '--run', run]);
    const before = await runCli(['finetune', 'files', '--run', run]);
    expect(before.stdout).toMatch(/^train config\s+\S+train\.yaml {2}\(not yet\)$/m);
    expect(before.stdout).toMatch(/^\(not yet\): the file is written by the finetune step/m);
    writeFile(path.join(run, 'finetune', 'train.yaml'), 'x: 1\n');
    const after = await runCli(['finetune', 'files', '--run', run]);
    expect(after.stdout).toMatch(/^train config\s+\S+train\.yaml$/m);
    expect(after.stdout).toMatch(/^merge config\s+\S+merge\.yaml {2}\(not yet\)$/m);
  });
});
