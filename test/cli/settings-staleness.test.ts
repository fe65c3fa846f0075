import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { STEPS } from '../../src/pipeline/steps/registry.js';
import { stepFingerprint } from '../../src/pipeline/runner/status.js';
import { Run } from '../../src/pipeline/store/run.js';
import { writeFile } from '../ingest/fixtures.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/tmp.js';

let tmp: ReturnType<typeof makeTempDir>;
afterEach(() => tmp?.cleanup());

async function fingerprints(dir: string): Promise<Record<string, string>> {
  const run = await Run.open(dir, { readOnly: true });
  try {
    return Object.fromEntries(STEPS.map((s) => [s.id, stepFingerprint(run, s)]));
  } finally {
    await run.close();
  }
}

describe('settings that change how, not what', () => {
  it('LLM concurrency, timeouts, hedging and the recorded data use stale no step', async () => {
    tmp = makeTempDir();
    const run = path.join(tmp.dir, 'run');
    const corpus = writeFile(path.join(tmp.dir, 'c.csv'), 'study_id,report\n1001,"FINDINGS: Small effusion."\n');
    const ingest = await runCli(['run', '--steps', 'ingest', '--backend', 'llm', '--corpus', corpus, '--run', run]);
    expect(ingest.status).toBe(0);
    const set = await runCli(['llm', 'set', '--run', run, '--model', 'm', '--endpoint', 'http://127.0.0.1:9/v1']);
    expect(set.status).toBe(0);
    const before = await fingerprints(run);

    for (const argv of [
      ['--concurrency', '3'],
      ['--endpoint-concurrency', '2'],
      ['--timeout', '60', '--first-token-timeout', '20'],
      ['--no-hedge', '--no-adaptive-timeouts'],
      ['--data-use', 'credentialed'],
    ]) {
      const r = await runCli(['llm', 'set', '--run', run, ...argv]);
      expect(r.status, `${argv.join(' ')}: ${r.stderr}`).toBe(0);
      expect(await fingerprints(run), argv.join(' ')).toEqual(before);
    }
    expect((await runCli(['status', '--run', run])).stdout).toMatch(/^ingest\s+done\b/m);
    // A result-changing setting still stales: the check above can fail.
    await runCli(['llm', 'set', '--run', run, '--model', 'other']);
    expect((await fingerprints(run)).extract).not.toBe(before.extract);
  });
});
