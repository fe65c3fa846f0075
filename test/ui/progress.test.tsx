import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { applyParams } from '../../src/pipeline/runner/configure.js';
import { countingStep, floodStep } from './helpers/fakeSteps.js';
import { pressAndWaitFor, renderApp, tempRun, waitForText } from './helpers/render.js';

afterEach(() => cleanup());

describe('progress view', () => {
  it('renders a flood of 1,000+ events in a bounded number of frames', async () => {
    const run = await tempRun();
    const app = await renderApp(run, [floodStep(1000)], { initial: { screen: 'progress' } });
    await waitForText(app, 'Nothing has run');
    const before = app.frames.length;
    await app.controller.start({ kind: 'step', stepId: 'flood' });
    const frame = await waitForText(app, (f) => /1,000\/1,000 100\.0%/.test(f) && f.includes('1000 events'));
    const renders = app.frames.length - before;
    // 2,000+ runner events; without batching each would be a render.
    expect(renders).toBeLessThan(40);
    expect(app.controller.flushes).toBeLessThan(30);
    // the loss series is drawn as a chart
    expect(frame).toMatch(/loss \(step 1000: 0\.0632\)/);
    expect(frame).toMatch(/[┤┼]/);
    await run.close();
  });

  it('shows the bar, rate, errors by kind, tokens and cost, and the log tail', async () => {
    const run = await tempRun();
    const app = await renderApp(run, [countingStep('alpha')]);
    await waitForText(app, 'alpha');
    const frame = await pressAndWaitFor(app, 'r', /20\/20 100\.0%/);
    expect(frame).toMatch(/█{10,}/);
    expect(frame).toMatch(/rate [\d.,]+\/s · eta/);
    expect(frame).toContain('errors: timeout=2 parse_error=1');
    expect(frame).toContain('tokens in 200 · out 100 · cost $0.0200');
    expect(frame).toContain('fresh: 0 already done');
    await run.close();
  });

  it('with no price configured, the cost reads unknown rather than $0', async () => {
    const run = await tempRun();
    await applyParams(run, [countingStep('alpha')], { alpha: { costPerItem: 0 } });
    const app = await renderApp(run, [countingStep('alpha')]);
    await waitForText(app, 'alpha');
    const frame = await pressAndWaitFor(app, 'r', /20\/20 100\.0%/);
    expect(frame).toContain('tokens in 200 · out 100 · cost unknown (no price set');
    expect(frame).not.toContain('$0.0000');
    await run.close();
  });

  it('s stops a running step: it is recorded interrupted and r resumes where it stopped', async () => {
    const run = await tempRun();
    const alpha = countingStep('alpha');
    await applyParams(run, [alpha], { alpha: { total: 400, delayMs: 5 } });
    const app = await renderApp(run, [alpha]);
    await waitForText(app, 'alpha');
    await pressAndWaitFor(app, 'r', /\d+\/400/);
    await waitForText(app, /(1\d|[2-9]\d)\/400/);
    let frame = await pressAndWaitFor(app, 's', /interrupted/);
    expect(frame).toContain('finished work is kept');
    // a stopped step has no time left to estimate
    expect(frame).toMatch(/eta -- · elapsed/);
    const kept = (await run.artifact('alpha-out').keys()).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(400);
    expect(run.state.steps.alpha?.status).toBe('interrupted');
    await pressAndWaitFor(app, 'r', /alpha, resume/);
    frame = await waitForText(app, /400\/400 100\.0%/, 15000);
    expect(frame).toContain(`resume: ${kept} already done`);
    const lines = [];
    for await (const l of run.artifact('alpha-out').lines()) lines.push(l.study_id);
    expect(lines).toHaveLength(400);
    expect(new Set(lines).size).toBe(400);
    await run.close();
  });

  it('r after stopping a run of all steps resumes that run, not the step selected in the notebook', async () => {
    const run = await tempRun();
    const alpha = countingStep('alpha');
    const beta = countingStep('beta', ['alpha-out']);
    await applyParams(run, [alpha, beta], { alpha: { total: 5 }, beta: { total: 400, delayMs: 5 } });
    const app = await renderApp(run, [alpha, beta]);
    await waitForText(app, 'alpha');
    // `a` with the first cell selected; stop while the second step runs
    await pressAndWaitFor(app, 'a', /beta, fresh\) running/);
    await waitForText(app, /(1\d|[2-9]\d)\/400/);
    await pressAndWaitFor(app, 's', /beta, fresh\) interrupted/);
    await pressAndWaitFor(app, 'r', /beta, resume\) running|beta, resume\) done/);
    await waitForText(app, /400\/400 100\.0%/, 15000);
    expect(run.state.steps.beta?.status).toBe('done');
    await run.close();
  });

  it('elapsed keeps counting while a step waits for a slow item (no events arrive)', async () => {
    const run = await tempRun();
    const alpha = countingStep('alpha');
    await applyParams(run, [alpha], { alpha: { total: 3, delayMs: 5000 } });
    const app = await renderApp(run, [alpha]);
    await waitForText(app, 'alpha');
    await pressAndWaitFor(app, 'r', /alpha, fresh\) running/);
    // the first item takes 5 s; the clock must not sit at 0s meanwhile
    await waitForText(app, /elapsed [1-4]s/, 4000);
    await pressAndWaitFor(app, 's', /interrupted/);
    await run.close();
  });
});
