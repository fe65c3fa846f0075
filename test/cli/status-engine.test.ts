import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { recordStepEngine } from '../../src/pipeline/index.js';
import { Run } from '../../src/pipeline/store/run.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/tmp.js';

let tmp: ReturnType<typeof makeTempDir>;
afterEach(() => tmp?.cleanup());

describe('cxrvqa status: engines', () => {
  it('prints the engine of each LLM step with the remote state and next action; rules extraction has none', async () => {
    tmp = makeTempDir();
    const dir = path.join(tmp.dir, 'run');
    const run = await Run.open(dir, { create: true });
    await run.update((s) => void (s.config.backend = 'llm'));
    await recordStepEngine(run, 'followup', {
      engine: 'shards',
      remote: { state: 'running', done: 3, total: 8, id: 'shards/c1', updatedAt: new Date().toISOString() },
    });
    await run.close();

    let r = await runCli(['status', '--run', dir], { cwd: tmp.dir });
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    const after = (id: string) => lines.slice(lines.findIndex((l) => l.startsWith(`${id} `)) + 1);
    expect(after('extract')[0]).toMatch(/^\s+engine: live endpoints$/);
    expect(after('followup').find((l) => /engine:/.test(l))).toMatch(
      /^\s+engine: shards \(vllm run-batch\) · running 3\/8 · shards\/c1 · checked \d+s ago · next: `cxrvqa import shards\/c1` takes the finished shards/,
    );

    r = await runCli(['status', '--run', dir, '--json'], { cwd: tmp.dir });
    const steps = JSON.parse(r.stdout).steps as { id: string; engine: unknown }[];
    expect(steps.find((s) => s.id === 'followup')?.engine).toMatchObject({ engine: 'shards', remote: { done: 3 } });
    expect(steps.find((s) => s.id === 'ingest')?.engine).toBeNull();

    const rules = await Run.open(dir);
    await rules.update((s) => void (s.config.backend = 'rules'));
    await rules.close();
    r = await runCli(['status', '--run', dir], { cwd: tmp.dir });
    const rulesLines = r.stdout.split('\n');
    const i = rulesLines.findIndex((l) => l.startsWith('extract '));
    expect(i).toBeGreaterThan(0);
    expect(rulesLines[i + 1] ?? '').not.toMatch(/engine:/);
  });
});
