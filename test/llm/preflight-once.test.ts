import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runHeadless } from '../../src/cli/commands/run.js';
import { preflightOnce } from '../../src/pipeline/llm/preflightOnce.js';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server.js';
import { testProfile } from '../helpers/llm.js';
import { syntheticReports } from '../helpers/reports.js';
import { makeTempDir } from '../helpers/tmp.js';

let server: LoopbackServer | null = null;
const cleanups: Array<() => void> = [];
afterEach(async () => {
  await server?.close();
  server = null;
  cleanups.splice(0).forEach((c) => c());
});

describe('endpoint checks once per invocation', () => {
  it('cxrvqa run says "endpoint … is up" once, though the early checks and the step both check it', async () => {
    server = await startLoopbackServer({});
    const tmp = makeTempDir('cxr-once-');
    cleanups.push(tmp.cleanup);
    const corpus = path.join(tmp.dir, 'corpus.jsonl');
    fs.writeFileSync(
      corpus,
      syntheticReports(3)
        .map((r) => JSON.stringify({ study_id: r.study_id, subject_id: r.subject_id, text: r.text }))
        .join('\n') + '\n',
    );
    const lines: string[] = [];
    const code = await runHeadless(
      {
        run: path.join(tmp.dir, 'run'),
        corpus,
        format: 'jsonl',
        backend: 'llm',
        endpoint: [server.url],
        model: 'extractor',
        steps: 'ingest,extract',
      },
      (l) => lines.push(l),
    );
    expect(code).toBe(0);
    expect(lines.filter((l) => /endpoint .* is up/.test(l))).toHaveLength(1);
  });

  it('a second invocation checks again, and a failed check is not remembered', async () => {
    server = await startLoopbackServer({ models: ['other'] });
    const profile = testProfile(server.url);
    const opts = { env: {}, confirmations: new Set<string>(), credentialed: false };
    const first = new AbortController().signal;
    await expect(preflightOnce(profile, { ...opts, signal: first })).rejects.toThrow(/not served/);
    // Same invocation: the failure is checked again (and fails again), not answered from memory.
    await expect(preflightOnce(profile, { ...opts, signal: first })).rejects.toThrow(/not served/);
    await server.close();
    server = await startLoopbackServer({});
    const ok = testProfile(server.url);
    expect((await preflightOnce(ok, { ...opts, signal: first })).first).toBe(true);
    expect((await preflightOnce(ok, { ...opts, signal: first })).first).toBe(false);
    // A new invocation (its own signal) checks for itself.
    expect((await preflightOnce(ok, { ...opts, signal: new AbortController().signal })).first).toBe(true);
  });
});
