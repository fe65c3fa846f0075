import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

/** `cxrvqa llm set --engine`: the batch engine is chosen, shown, and a bad value is refused with the choices. */

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function runDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cxr-engine-'));
  dirs.push(d);
  return path.join(d, 'run');
}

describe('llm set --engine', () => {
  it('records the batch engine with its poll interval and file limit, and shows them', async () => {
    const run = runDir();
    const r = await runCli([
      'llm',
      'set',
      '--run',
      run,
      '--engine',
      'batch',
      '--batch-poll',
      '5',
      '--batch-max-requests',
      '1000',
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      'engine: batch (Batch API of the first endpoint, at half the prices above; 1000 requests per file, polled every 5 s)',
    );
    const state = JSON.parse(fs.readFileSync(path.join(run, 'state.json'), 'utf8')) as {
      config: { llm: { engine: string; batch: { pollMs: number; maxRequests: number } } };
    };
    expect(state.config.llm.engine).toBe('batch');
    expect(state.config.llm.batch).toMatchObject({ pollMs: 5000, maxRequests: 1000 });
    const back = await runCli(['llm', 'set', '--run', run, '--engine', 'live']);
    expect(back.stdout).toMatch(/^engine: live$/m);
  });

  it('refuses an unknown engine and names the choices', async () => {
    const r = await runCli(['llm', 'set', '--run', runDir(), '--engine', 'slurm']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("argument 'slurm' is invalid. Allowed choices are live, batch.");
  });
});
