import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runPipeline, runStep } from '../../src/pipeline/runner/runner.js';
import { stepLogFile } from '../../src/pipeline/runner/stepLog.js';
import { CycleRecordSchema } from '../../src/pipeline/schemas/state.js';
import { defineStep, type AnyStep, type RunnerEvent } from '../../src/pipeline/steps/contract.js';
import { repeat, restrictPlan, type IterationLedger, type PlanNode } from '../../src/pipeline/steps/plan.js';
import { defineArtifact } from '../../src/pipeline/store/artifact.js';
import { Run } from '../../src/pipeline/store/run.js';
import { UserError } from '../../src/pipeline/util/errors.js';
import { makeTempDir } from '../helpers/tmp.js';

let tmp: ReturnType<typeof makeTempDir>;
afterEach(() => tmp?.cleanup());

const env = { confirmations: new Set<string>(), env: {} };

async function newRun() {
  tmp = makeTempDir();
  return Run.open(tmp.dir, { create: true });
}

/** A ledger over `state.cycles` that knows nothing about follow-up. */
const ledger: IterationLedger = {
  iterations: (state) =>
    state.cycles.map((c) => ({
      index: c.cycle,
      finished: c.finishedAt !== null,
      completed: c.completed,
      counts: c.counts,
    })),
  start: (state, index) => void state.cycles.push(CycleRecordSchema.parse({ cycle: index, startedAt: 'now' })),
  complete: (state, index, stepId) => void state.cycles.find((c) => c.cycle === index)!.completed.push(stepId),
  finish: (state, index) => void (state.cycles.find((c) => c.cycle === index)!.finishedAt = 'then'),
  clear: (state) => void (state.cycles = []),
};

/**
 * Two dummy steps: `grow` appends one row per iteration to an accumulating
 * artifact; `tidy` rewrites a summary of it. `calls` records what ran, with the
 * iteration the runner gave.
 */
function dummyPlan(calls: string[], opts: { stopGrowAt?: { iteration: number; controller: AbortController } } = {}) {
  const grow = defineStep({
    id: 'grow',
    title: 'Grow',
    description: 'appends a row per iteration',
    params: z.object({}),
    reads: ['tidied'],
    writes: ['grown'],
    async checkConfig() {
      calls.push('check grow');
    },
    async run(ctx) {
      const k = ctx.env.cycle!;
      if (opts.stopGrowAt?.iteration === k) opts.stopGrowAt.controller.abort();
      ctx.signal.throwIfAborted();
      calls.push(`grow ${k} ${ctx.mode}`);
      const art = ctx.run.artifact<{ study_id: string }>('grown');
      art.append({ study_id: `row-${k}` });
      art.close();
      return { counts: {}, summary: `grew ${k}` };
    },
  });
  const tidy = defineStep({
    id: 'tidy',
    title: 'Tidy',
    description: 'rewrites from what grew',
    params: z.object({}),
    reads: ['base', 'grown'],
    writes: ['tidied'],
    async run(ctx) {
      calls.push(`tidy ${ctx.env.cycle ?? '-'}`);
      return { counts: {}, summary: 'tidied' };
    },
  });
  const plan: PlanNode[] = [
    tidy,
    repeat({
      id: 'grow-cycles',
      label: 'round',
      body: [grow, tidy],
      resets: ['grown'],
      defaultTimes: 2,
      ledger,
      noneWanted: 'no rounds wanted',
    }),
  ];
  return { plan, grow, tidy };
}

describe('a repeat node in the plan', () => {
  it('runs the base pass, then the body per iteration up to the default, once per invocation checked', async () => {
    const run = await newRun();
    const calls: string[] = [];
    const { plan } = dummyPlan(calls);
    expect(await runPipeline(run, plan, { signal: new AbortController().signal, env })).toBe('done');
    expect(calls).toEqual(['check grow', 'tidy 0', 'grow 1 fresh', 'tidy 1', 'grow 2 fresh', 'tidy 2']);
    expect(run.state.cycles.map((c) => [c.cycle, c.finishedAt !== null])).toEqual([
      [1, true],
      [2, true],
    ]);
    // Both iterations' rows are kept: an accumulating artifact is not reset per iteration.
    expect(fs.readFileSync(run.artifactPath('grown'), 'utf8').trim().split('\n')).toHaveLength(2);
    await run.close();
  });

  it('does not redo finished iterations, adds the ones asked for, and skips with the node reason at zero', async () => {
    const run = await newRun();
    const calls: string[] = [];
    const { plan } = dummyPlan(calls);
    await runPipeline(run, plan, { signal: new AbortController().signal, env });
    calls.length = 0;
    const events: RunnerEvent[] = [];
    expect(
      await runPipeline(run, plan, {
        signal: new AbortController().signal,
        env,
        cycles: 3,
        onEvent: (e) => events.push(e),
      }),
    ).toBe('done');
    expect(calls).toEqual(['check grow', 'grow 3 fresh', 'tidy 3']);
    expect(
      events.filter((e) => e.type === 'step-end' && e.stepId === 'grow').map((e) => e.type === 'step-end' && e.summary),
    ).toEqual(['round 1 already done', 'round 2 already done', 'grew 3']);
    await run.close();
  });

  it('runs no iteration when zero are asked for, and says why', async () => {
    const run = await newRun();
    const calls: string[] = [];
    const events: RunnerEvent[] = [];
    expect(
      await runPipeline(run, dummyPlan(calls).plan, {
        signal: new AbortController().signal,
        env,
        cycles: 0,
        onEvent: (e) => events.push(e),
      }),
    ).toBe('done');
    expect(calls).toEqual(['tidy 0']);
    expect(events.find((e) => e.type === 'step-end' && e.stepId === 'grow')).toMatchObject({
      status: 'skipped',
      summary: 'no rounds wanted',
    });
    expect(run.state.cycles).toEqual([]);
    await run.close();
  });

  it('resumes an interrupted iteration instead of starting it fresh', async () => {
    const run = await newRun();
    const calls: string[] = [];
    const controller = new AbortController();
    const { plan } = dummyPlan(calls, { stopGrowAt: { iteration: 2, controller } });
    expect(await runPipeline(run, plan, { signal: controller.signal, env })).toBe('interrupted');
    expect(run.state.cycles.map((c) => c.finishedAt !== null)).toEqual([true, false]);
    calls.length = 0;
    expect(await runPipeline(run, dummyPlan(calls).plan, { signal: new AbortController().signal, env })).toBe('done');
    expect(calls).toEqual(['check grow', 'grow 2 resume', 'tidy 2']);
    await run.close();
  });

  it('with only the base step chosen, neither runs nor checks the left-out body step', async () => {
    const run = await newRun();
    const calls: string[] = [];
    const { plan, tidy } = dummyPlan(calls);
    expect(await runPipeline(run, restrictPlan(plan, [tidy]), { signal: new AbortController().signal, env })).toBe(
      'done',
    );
    expect(calls).toEqual(['tidy 0']);
    expect(run.state.cycles).toEqual([]);
    await run.close();
  });

  it('starts the series over when the base pass has new input, moving the accumulated rows aside', async () => {
    const run = await newRun();
    const calls: string[] = [];
    const { plan } = dummyPlan(calls);
    await runPipeline(run, plan, { signal: new AbortController().signal, env, cycles: 1 });
    await run.update((s) => void (s.artifacts.base = { version: 7, count: 1, updatedAt: null }));
    calls.length = 0;
    expect(await runPipeline(run, plan, { signal: new AbortController().signal, env, cycles: 1 })).toBe('done');
    // The restart was not foreseeable before the base pass ran, so grow's settings are checked when it starts.
    expect(calls).toEqual(['tidy 0', 'check grow', 'grow 1 fresh', 'tidy 1']);
    expect(fs.readFileSync(run.artifactPath('grown'), 'utf8').trim().split('\n')).toEqual(['{"study_id":"row-1"}']);
    await run.close();
  });
});

describe('the runner around one step', () => {
  const MADE = defineArtifact('made', z.object({ study_id: z.string() }), { madeBy: 'maker' });
  function needy(): AnyStep {
    return defineStep({
      id: 'needy',
      title: 'Needy step',
      description: 'needs an input',
      params: z.object({}),
      reads: [MADE],
      writes: ['needy-out'],
      requires: () => [MADE],
      async run() {
        return { counts: {}, summary: 'ok' };
      },
    });
  }

  it('stops a step whose input is missing with a message naming the input and the step that makes it', async () => {
    const run = await newRun();
    const err = await runStep(run, needy(), { signal: new AbortController().signal, env }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toBe('Needy step needs the made artifact first (none in this run).');
    expect((err as UserError).hint).toContain('cxrvqa run --steps maker,needy');
    expect(run.state.steps.needy).toBeUndefined();
    const made = run.open(MADE);
    made.append({ study_id: 'x' });
    made.close();
    expect(await runStep(run, needy(), { signal: new AbortController().signal, env })).toBe('done');
    await run.close();
  });

  it('keeps the stack of an internal failure in the step log and hands it to the front end', async () => {
    const run = await newRun();
    const broken = defineStep({
      id: 'broken',
      title: 'Broken',
      description: 'throws',
      params: z.object({}),
      reads: [],
      writes: [],
      async run(): Promise<never> {
        throw new TypeError('cannot read things of undefined');
      },
    });
    const events: RunnerEvent[] = [];
    expect(
      await runStep(run, broken, { signal: new AbortController().signal, env, onEvent: (e) => events.push(e) }),
    ).toBe('failed');
    const log = fs.readFileSync(stepLogFile(run, 'broken'), 'utf8');
    expect(log).toContain('TypeError: cannot read things of undefined');
    expect(log).toMatch(/\n\s+at .*repeat\.test\.ts/);
    const end = events.find((e) => e.type === 'step-end');
    expect(end).toMatchObject({
      status: 'failed',
      logFile: stepLogFile(run, 'broken'),
      stack: expect.stringMatching(/^TypeError: cannot read things of undefined\n\s+at /),
    });
    expect(run.state.steps.broken!.error).toBe('cannot read things of undefined');
    await run.close();
  });

  it('does not hand a stack on for a UserError, but still logs it', async () => {
    const run = await newRun();
    const refusing = defineStep({
      id: 'refusing',
      title: 'Refusing',
      description: 'refuses',
      params: z.object({}),
      reads: [],
      writes: [],
      async run(): Promise<never> {
        throw new UserError('the key was revoked', 'set a new key');
      },
    });
    const events: RunnerEvent[] = [];
    await expect(
      runStep(run, refusing, { signal: new AbortController().signal, env, onEvent: (e) => events.push(e) }),
    ).rejects.toThrow('the key was revoked');
    const end = events.find((e) => e.type === 'step-end');
    expect(end?.type === 'step-end' && end.status).toBe('failed');
    expect(end?.type === 'step-end' && end.stack).toBeUndefined();
    expect(fs.readFileSync(stepLogFile(run, 'refusing'), 'utf8')).toContain('the key was revoked\nset a new key');
    await run.close();
  });
});
