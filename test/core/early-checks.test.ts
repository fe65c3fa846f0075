import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { corpusConfigFrom } from '../../src/pipeline/runner/configure.js';
import { runPipeline } from '../../src/pipeline/runner/runner.js';
import { defineStep, type AnyStep } from '../../src/pipeline/steps/contract.js';
import { STEPS } from '../../src/pipeline/steps/registry.js';
import { Run } from '../../src/pipeline/store/run.js';
import { UserError } from '../../src/pipeline/util/errors.js';
import { extractStep } from '../../src/pipeline/extract/step.js';
import { planFor } from '../../src/pipeline/steps/registry.js';
import type { RunnerEvent } from '../../src/pipeline/steps/contract.js';
import { startLoopbackServer } from '../helpers/loopback-server.js';
import { syntheticReports } from '../helpers/reports.js';
import { makeTempDir } from '../helpers/tmp.js';

let tmp: ReturnType<typeof makeTempDir>;
afterEach(() => tmp?.cleanup());

const env = { confirmations: new Set<string>(), env: {} };

function step(
  id: string,
  opts: { configKeys?: 'llm'[]; changesConfig?: 'llm'[]; calls: string[]; failCheck?: boolean },
): AnyStep {
  return defineStep({
    id,
    title: id,
    description: id,
    params: z.object({}),
    reads: [],
    writes: [`${id}-out`],
    configKeys: opts.configKeys,
    changesConfig: opts.changesConfig,
    async checkConfig() {
      opts.calls.push(`check ${id}`);
      if (opts.failCheck) throw new UserError(`${id} is misconfigured`);
    },
    async run() {
      opts.calls.push(`run ${id}`);
      return { counts: {}, summary: 'ok' };
    },
  });
}

describe('early config checks', () => {
  it('checks every planned step before the first one runs, and a failing check stops everything', async () => {
    tmp = makeTempDir();
    const run = await Run.open(tmp.dir, { create: true });
    const calls: string[] = [];
    const steps = [step('a', { calls }), step('b', { calls, failCheck: true })];
    await expect(runPipeline(run, steps, { signal: new AbortController().signal, env })).rejects.toThrow(
      'b is misconfigured',
    );
    expect(calls).toEqual(['check a', 'check b']);
    expect(run.state.steps.a).toBeUndefined();
    await run.close();
  });

  it('checks a step whose config an earlier planned step writes just before that step runs', async () => {
    tmp = makeTempDir();
    const run = await Run.open(tmp.dir, { create: true });
    const calls: string[] = [];
    const steps = [step('serve', { calls, changesConfig: ['llm'] }), step('extract', { calls, configKeys: ['llm'] })];
    await runPipeline(run, steps, { signal: new AbortController().signal, env });
    expect(calls).toEqual(['check serve', 'run serve', 'check extract', 'run extract']);
    await run.close();
  });

  it('reports an LLM endpoint that is down before ingest starts (real steps)', async () => {
    tmp = makeTempDir();
    const run = await Run.open(tmp.dir, { create: true });
    await run.update((s) => {
      s.config.corpus = corpusConfigFrom({ sample: true });
      s.config.backend = 'llm';
      s.config.llm = { model: 'extractor', endpoints: [{ url: 'http://127.0.0.1:9/v1' }] };
    });
    const err = await runPipeline(run, STEPS, { signal: new AbortController().signal, env }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/127\.0\.0\.1:9/);
    expect(run.state.steps.ingest).toBeUndefined();
    await run.close();
  });

  it('probes an endpoint once per invocation: the early check is not repeated when the step starts', async () => {
    const server = await startLoopbackServer();
    tmp = makeTempDir();
    const run = await Run.open(tmp.dir, { create: true });
    try {
      run.artifact<{ study_id: string }>('reports').appendMany(syntheticReports(3));
      run.artifact('reports').close();
      await run.update((s) => {
        s.config.corpus = { kind: 'jsonl', path: '/dev/null', metadata: null, columns: {}, credentialed: false };
        s.config.backend = 'llm';
        s.config.llm = { model: 'extractor', endpoints: [{ url: server.url }] };
      });
      const events: RunnerEvent[] = [];
      expect(
        await runPipeline(run, planFor([extractStep as unknown as AnyStep]), {
          signal: new AbortController().signal,
          env,
          onEvent: (e) => events.push(e),
        }),
      ).toBe('done');
      const up = events.filter(
        (e) => e.type === 'step-event' && e.event.type === 'log' && /is up and serves/.test(e.event.message),
      );
      expect(up).toHaveLength(1);
      expect(run.state.steps.extract!.counts.raw).toBe(3);
    } finally {
      await run.close();
      await server.close();
    }
  });
});
