import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI } from './driver.js';

/** Without a terminal the same commands print plain line logs: no escape codes, no app. */
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cxrvqa-headless-'));
const env: NodeJS.ProcessEnv = { ...process.env, XDG_CONFIG_HOME: path.join(tmp, 'config'), HOME: tmp };
delete env.CI;
const cli = (...args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env, cwd: tmp, input: '' });

beforeAll(() => {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (\`npm test\` does).`);
});

describe('cxrvqa without a terminal', () => {
  it('demo runs the sample headless with plain lines', () => {
    const r = cli('demo', '--run', 'runs/sample');
    expect(r.status).toBe(0);
    const all = r.stdout + r.stderr;
    expect(all).not.toContain('\x1b');
    expect(r.stderr).toMatch(/^\[ingest\] /m);
    expect(r.stderr).toMatch(/^\[questions\] done: /m);
    expect(fs.existsSync(path.join(tmp, 'runs/sample/state.json'))).toBe(true);
  }, 120_000);

  it('open and the bare command print the status instead of opening the app', () => {
    const r = cli('open', '--run', 'runs/sample');
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain('\x1b');
    expect(r.stdout).toMatch(/^questions\s+done/m);
    // The run just opened (or run) is the current one: the bare command prints its status.
    const bare = cli();
    expect(bare.status).toBe(0);
    expect(bare.stdout).toMatch(/^run .*runs\/sample$/m);
    expect(bare.stdout).not.toContain('\x1b');
    // Nothing remembered and no runs/default: the help.
    const fresh = spawnSync(process.execPath, [CLI], {
      encoding: 'utf8',
      env: { ...env, XDG_CONFIG_HOME: path.join(tmp, 'config-fresh') },
      cwd: tmp,
      input: '',
    });
    expect(fresh.status).toBe(0);
    expect(fresh.stdout).toContain('Usage: cxrvqa');
  }, 60_000);

  it('opening a folder that holds no run is a clear error, and nothing is created', () => {
    const r = cli('open', '--run', 'runs/nothing-here');
    expect(r.status).not.toBe(0);
    // The wizard would offer to start one; without a terminal the message says how instead.
    expect(r.stderr).toContain('runs/nothing-here holds no run yet');
    expect(r.stderr).toContain('cxrvqa run --corpus PATH --run runs/nothing-here');
    expect(fs.existsSync(path.join(tmp, 'runs/nothing-here'))).toBe(false);
  });

  it('an unknown command is a clear error', () => {
    const r = cli('frobnicate');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('Unknown command "frobnicate"');
  });

  it('a mistyped command with options is named as such, with the nearest command', () => {
    const r = cli('statsu', '--run', 'x');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('Unknown command "statsu". Did you mean "stats"?');
    expect(r.stderr).not.toContain('unknown option');
  });

  it('the help shows the usage once', () => {
    const r = cli('--help');
    expect(r.stdout).toMatch(/^Usage: cxrvqa \[options\] \[command\]$/m);
  });
});
