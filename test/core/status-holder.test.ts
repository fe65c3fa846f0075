import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatStatus } from '../../src/cli/commands/status.js';
import { Run } from '../../src/pipeline/store/run.js';
import { makeTempDir } from '../helpers/tmp.js';
import { StepStateSchema } from '../../src/pipeline/schemas/state.js';

let tmp: ReturnType<typeof makeTempDir>;
afterEach(() => tmp?.cleanup());

/** A run whose extract step was left `running`, with the given holder file. */
async function leftRunning(holderPid: number | null): Promise<string> {
  tmp = makeTempDir();
  const run = await Run.open(tmp.dir, { create: true });
  await run.update((s) => {
    s.steps.extract = StepStateSchema.parse({ status: 'running', params: {} });
  });
  await run.close();
  if (holderPid !== null) {
    fs.writeFileSync(
      path.join(tmp.dir, 'run.lock.holder.json'),
      JSON.stringify({ pid: holderPid, host: os.hostname(), command: 'cxrvqa run', since: '2026-01-01T00:00:00.000Z' }),
    );
  }
  return tmp.dir;
}

async function statusText(dir: string): Promise<string> {
  const run = await Run.open(dir, { readOnly: true });
  try {
    return formatStatus(run);
  } finally {
    await run.close();
  }
}

describe('status of a step left running', () => {
  it('says when the process that ran it is gone (kill -9), and that the next run resumes it', async () => {
    // A pid that certainly existed and has exited.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const dir = await leftRunning(Number(dead.stdout));
    expect(await statusText(dir)).toMatch(
      new RegExp(`note: process ${dead.stdout} that was running extract is gone .*resumes it`),
    );
  });

  it('names the live process that is running it', async () => {
    const dir = await leftRunning(process.pid);
    const text = await statusText(dir);
    expect(text).toContain(`note: running in process ${process.pid} on ${os.hostname()}`);
    expect(text).not.toContain('is gone');
  });
});

describe('status of params set on a run', () => {
  it('lists the params the user set and how to restore a default', async () => {
    tmp = makeTempDir();
    const run = await Run.open(tmp.dir, { create: true });
    await run.update((s) => {
      s.steps.questions = StepStateSchema.parse({ status: 'not_run', params: { seed: 7 } });
    });
    await run.close();
    expect(await statusText(tmp.dir)).toContain('set: seed=7 (--unset questions.NAME restores a default)');
  });
});

describe('status of steps that do not apply', () => {
  it('shows n/a with the reason instead of not_run (follow-up on the rules backend)', async () => {
    tmp = makeTempDir();
    const run = await Run.open(tmp.dir, { create: true });
    await run.close();
    const text = await statusText(tmp.dir);
    expect(text).toMatch(/^followup\s+n\/a/m);
    expect(text).toContain('needs an LLM backend');
    expect(text).toMatch(/^ingest\s+not_run/m);
  });
});
