import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import stringWidth from 'string-width';
import { z } from 'zod';
import type { AnyStep } from '../../src/pipeline/steps/contract.js';
import { Run } from '../../src/pipeline/store/run.js';
import { pad, truncate } from '../../src/ui/components/format.js';
import { footerMessage } from '../../src/ui/components/Frame.js';
import { reducer, initialState } from '../../src/ui/state/reducer.js';
import type { StepRow } from '../../src/ui/state/types.js';
import { countingStep, sleep } from './helpers/fakeSteps.js';
import { KEY, plain, pressAndWaitFor, renderApp, tempRun, waitFor, waitForText } from './helpers/render.js';
import { stepRow } from './helpers/stepRow.js';

afterEach(() => cleanup());

/** Widest line of a frame in terminal cells (a CJK character or an emoji takes two). */
const cells = (frame: string) =>
  Math.max(
    0,
    ...plain(frame)
      .split('\n')
      .map((l) => stringWidth(l)),
  );

/** A step that logs `retries` retry lines, then waits for `holdMs` or a stop (an endpoint that hangs). */
function retryingStep(retries: number, holdMs = 0): AnyStep {
  return {
    id: 'flaky',
    title: 'Flaky endpoint',
    description: 'retries, then waits',
    params: z.object({}) as unknown as AnyStep['params'],
    reads: [],
    writes: [],
    async run(ctx) {
      ctx.emit({ type: 'progress', done: 1, total: 10 });
      for (let i = 1; i <= retries; i++)
        ctx.emit({ type: 'log', level: 'warn', message: `retry ${i} for s${i * 7} in ${i * 100} ms: timeout` });
      await sleep(holdMs, ctx.signal);
      return { counts: {}, summary: 'gave up waiting' };
    },
  };
}

describe('text is measured in terminal cells', () => {
  it('truncate and pad count a CJK character or an emoji as two cells', () => {
    const t = truncate('右下肺野の浸潤影 👍🏽 follow-up', 9);
    expect(stringWidth(t)).toBeLessThanOrEqual(9);
    expect(t.endsWith('…')).toBe(true);
    expect(stringWidth(pad('肺炎', 8))).toBe(8);
    expect(stringWidth(pad('肺炎肺炎肺炎', 7))).toBeLessThanOrEqual(7);
    expect(truncate('short', 10)).toBe('short');
  });

  it('a notebook of CJK and emoji step texts stays within 80 cells', async () => {
    const run = await tempRun();
    const wide = countingStep('wide', [], {
      description: '所見の抽出 🫁 '.repeat(20),
    } as Partial<AnyStep>);
    const app = await renderApp(run, [wide]);
    const frame = await waitForText(app, '所見');
    expect(cells(frame)).toBeLessThanOrEqual(80);
    await run.close();
  });
});

describe('messages', () => {
  it('a message too long for the footer says so, and m shows it in full, wrapped', async () => {
    const run = await tempRun();
    const app = await renderApp(run, [countingStep('alpha')]);
    await waitForText(app, 'alpha');
    const long = `endpoint http://gpu-node-17.cluster.example:8000/v1 refused the request: ${'the model is still loading, '.repeat(6)}retry later (END)`;
    app.controller.notify(long, 'warn');
    let frame = await waitForText(app, '(m: full)');
    expect(frame).not.toContain('(END)');
    expect(cells(frame)).toBeLessThanOrEqual(80);
    frame = await pressAndWaitFor(app, 'm', 'cxrvqa · messages');
    expect(frame.replace(/\s+/g, ' ')).toContain(long.replace(/\s+/g, ' '));
    expect(cells(frame)).toBeLessThanOrEqual(80);
    await pressAndWaitFor(app, KEY.escape, 'cxrvqa · notebook');
    await run.close();
  });

  it('footerMessage keeps a short message whole and joins lines', () => {
    expect(footerMessage('a\n  b', 80)).toBe('a b');
    expect(stringWidth(footerMessage('x'.repeat(200), 80))).toBeLessThanOrEqual(80);
  });

  it('a message about a step is cleared once the step status moves on', () => {
    const row = (status: StepRow['status']): StepRow => stepRow({ id: 'extract', title: 'x', status });
    let s = reducer(initialState(), { type: 'rows', rows: [row('failed')] });
    s = reducer(s, { type: 'message', level: 'error', text: 'extract failed: endpoint down', stepId: 'extract' });
    s = reducer(s, { type: 'rows', rows: [row('failed')] });
    expect(s.message?.text).toBe('extract failed: endpoint down');
    s = reducer(s, { type: 'rows', rows: [row('done')] });
    expect(s.message).toBeNull();
    // The session's message log keeps it.
    expect(s.messages.map((m) => m.message)).toEqual(['extract failed: endpoint down']);
  });
});

describe('progress of a struggling step', () => {
  it('groups repeated retry lines into one with a count', async () => {
    const run = await tempRun();
    const app = await renderApp(run, [retryingStep(12)]);
    await waitForText(app, 'flaky');
    const frame = await pressAndWaitFor(app, 'r', /\(flaky, fresh\) done/);
    expect(frame).toContain('retry 12 for s84 in 1200 ms: timeout ×12');
    expect(frame).not.toContain('retry 11');
    await run.close();
  });

  it('shows "stalled" after 30 s without progress (an injected clock) instead of a frozen ETA', async () => {
    const run = await tempRun();
    let now = 1_000_000;
    const app = await renderApp(run, [retryingStep(0, 600_000)], { now: () => now });
    await waitForText(app, 'flaky');
    // The first item's progress is the last sign of life; the clock moves only after it is shown.
    let frame = await pressAndWaitFor(app, 'r', /\(flaky, fresh\) running[\s\S]*1\/10/);
    expect(frame).toContain('eta');
    now += 29_000;
    await new Promise((r) => setTimeout(r, 1200));
    expect(app.lastFrame()).not.toContain('stalled');
    now += 2_000;
    frame = await waitForText(app, 'stalled: no progress for 31s');
    expect(frame).toMatch(/\(flaky, fresh\) stalled/);
    expect(frame).not.toContain('eta');
    app.controller.stop();
    await app.controller.settle();
    await run.close();
  });
});

describe('a stalled step on the notebook row', () => {
  it('says "stalled" on its row after 30 s without progress, and not before', async () => {
    const run = await tempRun();
    let now = 1_000_000;
    const app = await renderApp(run, [retryingStep(0, 600_000)], { now: () => now });
    await waitForText(app, 'flaky');
    await pressAndWaitFor(app, 'r', /\(flaky, fresh\) running[\s\S]*1\/10/);
    // Back to the notebook while the step runs: its row shows the live state.
    await pressAndWaitFor(app, KEY.escape, /flaky\s+running/);
    now += 29_000;
    await new Promise((r) => setTimeout(r, 1200));
    expect(app.lastFrame()).not.toContain('stalled');
    now += 2_000;
    const frame = await waitForText(app, 'stalled: no progress for 31s');
    expect(frame).toMatch(/flaky\s+running/);
    app.controller.stop();
    await app.controller.settle();
    await run.close();
  });
});

describe('a run another process holds', () => {
  it('shows a permanent read-only badge and offers no write keys', async () => {
    const owner = await tempRun();
    const steps = [countingStep('alpha')];
    const run = await Run.open(owner.dir, { readOnly: true });
    const app = await renderApp(run, steps);
    let frame = await waitForText(app, 'READ-ONLY');
    // The holder is named in the badge itself: the open-time message can scroll away.
    expect(frame).toContain(`READ-ONLY: pid ${process.pid} on ${os.hostname()} holds it`);
    expect(frame).not.toContain('r run');
    expect(frame).not.toContain('a all');
    frame = await pressAndWaitFor(app, 'r', 'open read-only');
    expect(frame).toContain('READ-ONLY');
    expect(run.state.steps.alpha?.status ?? 'not_run').toBe('not_run');
    await waitFor(app, (f) => f.includes('READ-ONLY'), 5000, 'badge stays');
    await run.close();
    await owner.close();
  });
});

describe('new run', () => {
  it('n in the notebook closes the run for the setup wizard (after saving the position)', async () => {
    const run = await tempRun();
    const app = await renderApp(run, [countingStep('alpha')]);
    const frame = await waitForText(app, 'n new run');
    expect(frame).toContain('n new run');
    app.stdin.write('n');
    await waitFor(app, () => app.newRun.count === 1, 5000, 'the new-run callback');
    expect(run.state.ui).toMatchObject({ screen: 'notebook' });
    await run.close();
  });
});
