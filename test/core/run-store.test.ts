import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { RunLockedError } from '../../src/pipeline/store/lock.js';
import { Run } from '../../src/pipeline/store/run.js';
import { UserError } from '../../src/pipeline/util/errors.js';
import { makeTempDir } from '../helpers/tmp.js';

let tmp: ReturnType<typeof makeTempDir>;
afterEach(() => tmp?.cleanup());

describe('Run store', () => {
  it('creates a run folder with a versioned state.json and persists updates', async () => {
    tmp = makeTempDir();
    const dir = path.join(tmp.dir, 'r');
    const run = await Run.open(dir, { create: true });
    await run.update((s) => {
      s.config.backend = 'llm';
    });
    await run.close();
    const raw = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8'));
    expect(raw.schemaVersion).toBe(1);
    expect(raw.config.backend).toBe('llm');
    const again = await Run.open(dir, { readOnly: true });
    expect(again.state.config.backend).toBe('llm');
  });

  it('refuses a missing run with a clear message', async () => {
    tmp = makeTempDir();
    await expect(Run.open(path.join(tmp.dir, 'nope'))).rejects.toThrow(/No run at/);
  });

  it('refuses an invalid or future-version state.json with the path of the problem', async () => {
    tmp = makeTempDir();
    fs.writeFileSync(path.join(tmp.dir, 'state.json'), JSON.stringify({ schemaVersion: 99 }));
    await expect(Run.open(tmp.dir, { readOnly: true })).rejects.toThrow(/version 99/);
    fs.writeFileSync(
      path.join(tmp.dir, 'state.json'),
      JSON.stringify({ schemaVersion: 1, createdAt: 'x', updatedAt: 'y', steps: { a: { status: 'weird' } } }),
    );
    await expect(Run.open(tmp.dir, { readOnly: true })).rejects.toThrow(/steps\.a\.status/);
  });

  it('says how to recover from a state.json that is not JSON, without naming a backup nothing writes', async () => {
    tmp = makeTempDir();
    fs.writeFileSync(path.join(tmp.dir, 'state.json'), '{"schemaVersion": 1,');
    const err = await Run.open(tmp.dir, { readOnly: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/not valid JSON/);
    expect((err as UserError).hint).not.toMatch(/\.bak/);
    expect((err as UserError).hint).toMatch(/start a new run/);
  });

  it('lets only one writer hold a run and says who holds it', async () => {
    tmp = makeTempDir();
    const first = await Run.open(tmp.dir, { create: true });
    const err = await Run.open(tmp.dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(new RegExp(`in use by process ${process.pid} on `));
    // Front ends tell lock contention by its type, and can name the holder without parsing text.
    expect(err).toBeInstanceOf(RunLockedError);
    expect((err as RunLockedError).holder).toMatchObject({ pid: process.pid, host: os.hostname() });
    // Read-only opening still works while the writer holds it.
    const ro = await Run.open(tmp.dir, { readOnly: true });
    expect(ro.state.schemaVersion).toBe(1);
    await first.close();
    const second = await Run.open(tmp.dir);
    await second.close();
  });

  it('counts a killed but unreaped process (a zombie) as gone', async () => {
    const { pidAlive } = await import('../../src/pipeline/store/lock.js');
    // sh starts a background sleep, then becomes `sleep 60`, which never reaps it:
    // once killed, the background sleep stays a zombie.
    const parent = spawn('sh', ['-c', 'sleep 30 & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const pid = await new Promise<number>((resolve) =>
      parent.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))),
    );
    try {
      // Kill only once sh has become `sleep 60`: sh itself would reap its child.
      const execDeadline = Date.now() + 5000;
      while (Date.now() < execDeadline && fs.readFileSync(`/proc/${parent.pid}/comm`, 'utf8').trim() !== 'sleep')
        await new Promise((r) => setTimeout(r, 10));
      expect(fs.readFileSync(`/proc/${parent.pid}/comm`, 'utf8').trim()).toBe('sleep');
      expect(pidAlive(pid)).toBe(true);
      process.kill(pid, 'SIGKILL');
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline && !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z'))
        await new Promise((r) => setTimeout(r, 20));
      expect(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')).toContain(') Z');
      expect(pidAlive(pid)).toBe(false);
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('takes over the lock of a writer that was killed -9', async () => {
    tmp = makeTempDir();
    const dir = tmp.dir;
    (await Run.open(dir, { create: true })).close();
    const script = `
      import { Run } from ${JSON.stringify(path.resolve('src/pipeline/store/run.ts'))};
      await Run.open(${JSON.stringify(dir)});
      console.log('locked');
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('locked') && resolve());
      child.on('exit', (code) => reject(new Error(`child exited ${code}`)));
    });
    const busy = await Run.open(dir).catch((e: unknown) => e);
    expect((busy as Error).message).toMatch(new RegExp(`process ${child.pid}`));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const run = await Run.open(dir);
    await run.close();
  });
});
