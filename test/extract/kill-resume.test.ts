import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/pipeline/util/paths.js';
import { killAndResume } from '../helpers/kill-run.js';
import { runCli } from '../helpers/run-cli.js';

const built = fs.existsSync(path.join(packageRoot(), 'dist', 'src', 'cli.js'));

// Two real processes (a killed run and its resume) at 300 reports: ~30 s on a loaded 2-core machine, so the
// test's own timeout is generous; the assertions are about what was written, not how fast.
describe.skipIf(!built)('kill -9 mid-run and resume (built CLI, loopback server)', () => {
  it('keeps every completed response exactly once and re-asks only what was in flight', async () => {
    const r = await killAndResume({
      reports: 300,
      killAfter: 100,
      concurrency: 8,
      latency: { kind: 'lognormal', medianMs: 15, sigma: 0.5 },
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.rowsAtKill).toBeGreaterThanOrEqual(100);
    expect(r.rowsAtKill).toBeLessThan(300);
    expect(r.distinctIds).toBe(300);
    expect(r.duplicateIds).toBe(0);
    expect(r.notOk).toBe(0);
    // Only requests in flight at the kill (at most the concurrency) were asked twice.
    expect(r.askedTwice).toBeLessThanOrEqual(r.concurrency);
    expect(r.requests).toBeLessThanOrEqual(300 + r.concurrency);
  }, 120_000);
});

describe('bad LLM settings through the CLI', () => {
  it('an endpoint that is down: one message, no stack, before any work', async () => {
    const os = await import('node:os');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cxr-cli-'));
    const corpus = path.join(dir, 'c.jsonl');
    fs.writeFileSync(
      corpus,
      JSON.stringify({ study_id: 's1', subject_id: 'p1', text: 'FINDINGS: Small left effusion.' }) + '\n',
    );
    const args = [
      'run',
      '--run',
      path.join(dir, 'run'),
      '--corpus',
      corpus,
      '--format',
      'jsonl',
      '--backend',
      'llm',
      '--endpoint',
      'http://127.0.0.1:9/v1',
      '--model',
      'm',
      '--steps',
      'ingest,extract',
    ];
    // The run exists before (a refused first run leaves no folder behind).
    expect((await runCli(['llm', 'set', '--run', path.join(dir, 'run'), '--model', 'm'])).status).toBe(0);
    const r = await runCli(args);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/error: The LLM endpoint http:\/\/127\.0\.0\.1:9\/v1 is not reachable/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(path.join(dir, 'run', 'artifacts', 'raw.jsonl'))).toBe(false);
    // A missing key variable is reported the same way, and the key is never written to state.
    const r2 = await runCli([...args, '--key-env', 'CXR_TEST_UNSET_KEY']);
    expect(r2.stderr).toMatch(/CXR_TEST_UNSET_KEY is not set/);
    const state = fs.readFileSync(path.join(dir, 'run', 'state.json'), 'utf8');
    expect(state).toContain('"keyEnv": "CXR_TEST_UNSET_KEY"');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a missing prompt file: one message when it is set', async () => {
    const os = await import('node:os');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cxr-cli-'));
    const r = await runCli([
      'llm',
      'set',
      '--run',
      path.join(dir, 'run'),
      '--endpoint',
      'http://127.0.0.1:8000/v1',
      '--model',
      'm',
      '--prompt',
      path.join(dir, 'missing.txt'),
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/error: The prompt file .*missing\.txt does not exist/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
