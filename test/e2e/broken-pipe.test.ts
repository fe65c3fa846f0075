import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from './driver.js';

/** `cxrvqa run ... 2>&1 | head`, or a log reader that goes away: the run stops gracefully, it does not crash. */
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cxrvqa-pipe-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

beforeAll(() => {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (\`npm test\` does).`);
});

describe('headless run whose log pipe is closed', () => {
  it('records the step as interrupted, releases the lock and exits 130', async () => {
    const dir = path.join(tmp, 'run');
    const child = spawn(process.execPath, [CLI, 'run', '--sample', '--run', dir], {
      stdio: ['ignore', 'ignore', 'pipe'],
      cwd: tmp,
    });
    // Close the reading end after the first line, as `| head -1` does.
    child.stderr.once('data', () => child.stderr.destroy());
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on('exit', (c, s) => resolve([c, s])),
    );
    expect({ code, signal }).toEqual({ code: 130, signal: null });
    const state = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')) as {
      steps: Record<string, { status: string }>;
    };
    const statuses = Object.values(state.steps).map((s) => s.status);
    expect(statuses).not.toContain('running');
    expect(statuses).toContain('interrupted');
    expect(fs.existsSync(path.join(dir, 'run.lock.holder.json'))).toBe(false);
  }, 60_000);
});
