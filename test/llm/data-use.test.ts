import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runHeadless } from '../../src/cli/commands/run.js';
import { applyDataUseSetting } from '../../src/cli/commands/llm.js';
import { EndpointSchema } from '../../src/pipeline/llm/config.js';
import { checkDataUse, classifyEndpoint } from '../../src/pipeline/llm/guard.js';
import { Run } from '../../src/pipeline/store/run.js';
import { UserError } from '../../src/pipeline/util/errors.js';
import { writeReport, REPORT } from '../ingest/fixtures.js';
import { makeTempDir } from '../helpers/tmp.js';
import { userErrorOf } from '../helpers/lifecycle.js';

const ep = (url: string) => EndpointSchema.parse({ url });
const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function mimicCorpus(): { dir: string; corpus: string } {
  const tmp = makeTempDir('cxr-datause-');
  cleanups.push(tmp.cleanup);
  const corpus = path.join(tmp.dir, 'mimic');
  writeReport(corpus, '10000001', '50000001', REPORT(1));
  return { dir: tmp.dir, corpus };
}

const userError = userErrorOf;

function storedCorpus(runDir: string): { kind: string; credentialed: boolean } | undefined {
  return JSON.parse(fs.readFileSync(path.join(runDir, 'state.json'), 'utf8')).config.corpus;
}

describe('data-use guard: LAN hosts are private', () => {
  it('counts .lan, .local, .internal, .home.arpa and single-label host names as private', () => {
    for (const url of [
      'http://gpu-box.lan:8000/v1',
      'http://gpu.local/v1',
      'http://vllm.corp.internal/v1',
      'http://nas.home.arpa/v1',
      'http://gpubox:8000/v1',
    ]) {
      expect([url, classifyEndpoint(ep(url))]).toEqual([url, 'private']);
    }
    // Look-alikes on public domains stay public.
    for (const url of ['http://lan.example.com/v1', 'http://local.example.org/v1', 'http://internal.example.net/v1']) {
      expect([url, classifyEndpoint(ep(url))]).toEqual([url, 'public']);
    }
    expect(() => checkDataUse([ep('http://gpu-box.lan:8000/v1')], true, new Set())).not.toThrow();
  });
});

describe('--no-credentialed on a MIMIC corpus', () => {
  it('is refused without --confirm not-credentialed, with what to do, and nothing is recorded', async () => {
    const { dir, corpus } = mimicCorpus();
    const runDir = path.join(dir, 'run');
    const m = await userError(
      runHeadless({ run: runDir, corpus, format: 'mimic', credentialed: false, steps: 'ingest' }, () => {}),
    );
    expect(m).toMatch(/--confirm not-credentialed/);
    expect(m).toMatch(/credentialed/);
    // Refused before any step: not even the run folder this invocation made is left.
    expect(fs.existsSync(runDir)).toBe(false);
  });

  it('with the confirmation: warns, turns the guard off for this invocation only, and the run stays credentialed', async () => {
    const { dir, corpus } = mimicCorpus();
    const runDir = path.join(dir, 'run');
    const lines: string[] = [];
    await runHeadless(
      { run: runDir, corpus, format: 'mimic', credentialed: false, confirm: ['not-credentialed'], steps: 'ingest' },
      (l) => lines.push(l),
    );
    expect(lines.join('\n')).toMatch(/warning: .*not credentialed for this invocation only/);
    expect(storedCorpus(runDir)).toMatchObject({ kind: 'mimic', credentialed: true });
    // The per-invocation confirmation is what lets data past the guard; the next invocation has none.
    expect(() => checkDataUse([ep('https://llm.example.com/v1')], true, new Set(['not-credentialed']))).not.toThrow();
    expect(() => checkDataUse([ep('https://llm.example.com/v1')], true, new Set())).toThrow(UserError);
  });

  it('--confirm not-credentialed alone on a credentialed run also warns (it turns the guard off for the invocation)', async () => {
    const { dir, corpus } = mimicCorpus();
    const runDir = path.join(dir, 'run');
    await runHeadless({ run: runDir, corpus, format: 'mimic', steps: 'ingest' }, () => {});
    const lines: string[] = [];
    await runHeadless({ run: runDir, confirm: ['not-credentialed'], steps: 'ingest' }, (l) => lines.push(l));
    expect(lines.join('\n')).toMatch(/warning: .*not credentialed for this invocation only/);
    expect(storedCorpus(runDir)).toMatchObject({ credentialed: true });
  });

  it('a MIMIC corpus given without the flag is credentialed, as before', async () => {
    const { dir, corpus } = mimicCorpus();
    const runDir = path.join(dir, 'run');
    await runHeadless({ run: runDir, corpus, format: 'mimic', steps: 'ingest' }, () => {});
    expect(storedCorpus(runDir)).toMatchObject({ credentialed: true });
  });
});

describe('recording the data-use choice explicitly (cxrvqa llm set --data-use)', () => {
  async function mimicRun(): Promise<Run> {
    const { dir, corpus } = mimicCorpus();
    const run = await Run.open(path.join(dir, 'run'), { create: true });
    await run.update(
      (s) => void (s.config.corpus = { kind: 'mimic', path: corpus, metadata: null, columns: {}, credentialed: true }),
    );
    return run;
  }

  it('not-credentialed needs the confirmation, then is kept in the run', async () => {
    const run = await mimicRun();
    try {
      expect(await userError(applyDataUseSetting(run, 'not-credentialed', new Set()))).toMatch(
        /--confirm not-credentialed/,
      );
      expect(run.state.config.corpus?.credentialed).toBe(true);
      expect(await applyDataUseSetting(run, 'not-credentialed', new Set(['not-credentialed']))).toMatch(/warning/);
      expect(run.state.config.corpus?.credentialed).toBe(false);
      await applyDataUseSetting(run, 'credentialed', new Set());
      expect(run.state.config.corpus?.credentialed).toBe(true);
    } finally {
      await run.close();
    }
  });

  it('refuses an unknown value and a run without a corpus', async () => {
    const run = await mimicRun();
    try {
      expect(await userError(applyDataUseSetting(run, 'maybe', new Set()))).toMatch(/credentialed or not-credentialed/);
    } finally {
      await run.close();
    }
    const tmp = makeTempDir();
    cleanups.push(tmp.cleanup);
    const empty = await Run.open(path.join(tmp.dir, 'r'), { create: true });
    try {
      expect(await userError(applyDataUseSetting(empty, 'credentialed', new Set()))).toMatch(/no corpus/);
    } finally {
      await empty.close();
    }
  });
});
