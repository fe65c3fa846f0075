import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { applyParams, parseParamUnsets } from '../../src/pipeline/runner/configure.js';
import { recoverInterrupted, runPipeline, runStep } from '../../src/pipeline/runner/runner.js';
import { displayStatus, staleReasons } from '../../src/pipeline/runner/status.js';
import type { AnyStep, RunnerEvent } from '../../src/pipeline/steps/contract.js';
import { Run } from '../../src/pipeline/store/run.js';
import { countingStep } from '../helpers/fakeSteps.js';
import { makeTempDir } from '../helpers/tmp.js';
import { StepStateSchema } from '../../src/pipeline/schemas/state.js';

let tmp: ReturnType<typeof makeTempDir>;
afterEach(() => tmp?.cleanup());

const env = { confirmations: new Set<string>(), env: {} };
const opts = (signal = new AbortController().signal) => ({ signal, env });

async function newRun() {
  tmp = makeTempDir();
  return Run.open(tmp.dir, { create: true });
}

describe('runner', () => {
  it('runs a step, records counts and skips it when done and current', async () => {
    const run = await newRun();
    const { step, seen } = countingStep({ n: 5 });
    expect(displayStatus(run, step as AnyStep)).toBe('not_run');
    expect(await runStep(run, step as AnyStep, opts())).toBe('done');
    expect(run.state.steps.count!.counts.counted).toBe(5);
    expect(run.state.artifacts.counted!.version).toBeGreaterThan(0);
    expect(await runStep(run, step as AnyStep, opts())).toBe('skipped');
    expect(seen).toHaveLength(5);
    await run.close();
  });

  it('marks a step stale when its params change, and re-runs it fresh', async () => {
    const run = await newRun();
    const { step } = countingStep({ n: 3 });
    await runStep(run, step as AnyStep, opts());
    await applyParams(run, [step as AnyStep], { count: { label: 'y' } });
    expect(displayStatus(run, step as AnyStep)).toBe('stale');
    expect(staleReasons(run, step as AnyStep)[0]!.kind).toBe('params');
    await runStep(run, step as AnyStep, opts());
    const map = await run.artifact<{ study_id: string; label: string }>('counted').readMap();
    expect([...map.values()].every((r) => r.label === 'y')).toBe(true);
    expect(map.size).toBe(3);
    await run.close();
  });

  it('refuses an unknown param name instead of storing and ignoring it (a typo in --set)', async () => {
    const run = await newRun();
    const { step } = countingStep({ n: 1 });
    const err = await applyParams(run, [step as AnyStep], { count: { lable: 'y' } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ message: 'Unknown param "lable" for count.', hint: 'Params of count: n, label.' });
    expect(run.state.steps.count?.params ?? {}).not.toHaveProperty('lable');
    await run.close();
  });

  it('--unset puts a param back to its default, and the step is current again', async () => {
    const run = await newRun();
    const { step } = countingStep({ n: 3 });
    await runStep(run, step as AnyStep, opts());
    await applyParams(run, [step as AnyStep], { count: { label: 'y' } });
    expect(displayStatus(run, step as AnyStep)).toBe('stale');
    await applyParams(run, [step as AnyStep], {}, parseParamUnsets(['count.label'], [step as AnyStep]));
    expect(run.state.steps.count!.params).toEqual({});
    expect(displayStatus(run, step as AnyStep)).toBe('done');
    expect(() => parseParamUnsets(['nope.label'], [step as AnyStep])).toThrow(/unknown step "nope"/);
    await run.close();
  });

  it('marks a downstream step stale when its input artifact was rewritten', async () => {
    const run = await newRun();
    const a = countingStep({ id: 'a', writes: ['A'], n: 2 }).step as AnyStep;
    const b = countingStep({ id: 'b', reads: ['A'], writes: ['B'], n: 2 }).step as AnyStep;
    await runPipeline(run, [a, b], opts());
    expect(displayStatus(run, b)).toBe('done');
    await runStep(run, a, { ...opts(), force: true });
    expect(displayStatus(run, b)).toBe('stale');
    expect(staleReasons(run, b)).toEqual([{ kind: 'input', detail: 'A changed' }]);
    await run.close();
  });

  it('records an interrupted step and resumes it without redoing finished items', async () => {
    const run = await newRun();
    const controller = new AbortController();
    const first = countingStep({ n: 10, abortAt: { at: 4, controller } });
    expect(await runStep(run, first.step as AnyStep, opts(controller.signal))).toBe('interrupted');
    expect(run.state.steps.count!.status).toBe('interrupted');
    const second = countingStep({ n: 10 });
    const events: RunnerEvent[] = [];
    expect(await runStep(run, second.step as AnyStep, { ...opts(), onEvent: (e) => events.push(e) })).toBe('done');
    expect(events.find((e) => e.type === 'step-start')).toMatchObject({ mode: 'resume' });
    expect(second.seen).toEqual(['4', '5', '6', '7', '8', '9']);
    expect((await run.artifact('counted').keys()).size).toBe(10);
    await run.close();
  });

  it('records a failing step with its error and stops the pipeline there', async () => {
    const run = await newRun();
    const bad = countingStep({ id: 'bad', writes: ['X'], n: 5, failAt: 2 }).step as AnyStep;
    const after = countingStep({ id: 'after', writes: ['Y'], n: 1 });
    expect(await runPipeline(run, [bad, after.step as AnyStep], opts())).toBe('failed');
    expect(run.state.steps.bad!.status).toBe('failed');
    expect(run.state.steps.bad!.error).toBe('boom at 2');
    expect(after.seen).toEqual([]);
    await run.close();
  });

  it('turns a step left running by a dead process into interrupted, then reruns it', async () => {
    const run = await newRun();
    const { step } = countingStep({ n: 1 });
    await run.update((s) => {
      s.steps.count = StepStateSchema.parse({ status: 'running', params: {} });
    });
    expect(await recoverInterrupted(run)).toEqual(['count']);
    expect(run.state.steps.count!.status).toBe('interrupted');
    await runPipeline(run, [step as AnyStep], opts());
    expect(run.state.steps.count!.status).toBe('done');
    await run.close();
  });

  it('keeps state.json under 1 MB with 227,835 studies in the artifacts', async () => {
    const run = await newRun();
    const { step } = countingStep({ n: 227_835 });
    await runStep(run, step as AnyStep, opts());
    expect(run.state.steps.count!.counts.counted).toBe(227_835);
    expect(fs.statSync(run.stateFile).size).toBeLessThan(1_000_000);
    await run.close();
  });
});

describe('config fingerprint', () => {
  it('keeps an LLM step current when only endpoints or concurrency change', async () => {
    const { extractStep } = await import('../../src/pipeline/extract/step.js');
    const { stepFingerprint } = await import('../../src/pipeline/runner/status.js');
    const run = await newRun();
    await run.update((s) => {
      s.config.backend = 'llm';
      s.config.llm = { model: 'm1', endpoints: [{ url: 'http://127.0.0.1:8000/v1' }], concurrency: 8 };
    });
    const before = stepFingerprint(run, extractStep as unknown as AnyStep);
    await run.update((s) => {
      s.config.llm = { model: 'm1', endpoints: [{ url: 'http://127.0.0.1:9000/v1' }], concurrency: 64 };
    });
    expect(stepFingerprint(run, extractStep as unknown as AnyStep)).toBe(before);
    await run.update((s) => {
      s.config.llm = { model: 'm2', endpoints: [{ url: 'http://127.0.0.1:9000/v1' }], concurrency: 64 };
    });
    expect(stepFingerprint(run, extractStep as unknown as AnyStep)).not.toBe(before);
    await run.close();
  });
});
