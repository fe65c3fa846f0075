import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { applyParams } from '../../src/pipeline/runner/configure.js';
import { Run } from '../../src/pipeline/store/run.js';
import { countingStep } from './helpers/fakeSteps.js';
import { writeInspectorFixtures } from './helpers/fixtures.js';
import { KEY, pressAndWaitFor, renderApp, tempRun, waitForQuit, waitForText } from './helpers/render.js';

afterEach(() => cleanup());

describe('app shell', () => {
  it('? opens the help overlay for the current screen; ? or Esc closes it', async () => {
    const run = await tempRun();
    const app = await renderApp(run, [countingStep('alpha')]);
    await waitForText(app, 'alpha');
    let frame = await pressAndWaitFor(app, '?', 'Keys · notebook');
    expect(frame).toContain('run / resume the selected step');
    expect(frame).toContain('stop the running step; twice forces exit');
    // keys meant for the screen do nothing under the overlay
    app.stdin.write('r');
    await pressAndWaitFor(app, KEY.escape, (f) => !f.includes('Keys ·'));
    expect(run.state.steps.alpha?.status ?? 'not_run').toBe('not_run');
    await pressAndWaitFor(app, KEY.enter, 'Params');
    frame = await pressAndWaitFor(app, '?', 'Keys · cell');
    expect(frame).toContain('run fresh (discard outputs)');
    await pressAndWaitFor(app, '?', (f) => !f.includes('Keys ·'));
    await run.close();
  });

  it('first Ctrl-C stops the running step: recorded interrupted, finished work kept, app stays open', async () => {
    const run = await tempRun();
    const alpha = countingStep('alpha');
    await applyParams(run, [alpha], { alpha: { total: 1000, delayMs: 20 } });
    const app = await renderApp(run, [alpha]);
    await waitForText(app, 'alpha');
    await pressAndWaitFor(app, 'r', /[1-9]\d*\/1,000/);
    await pressAndWaitFor(app, KEY.ctrlC, /Ctrl-C again forces exit|stopped; finished work is kept/);
    await waitForText(app, /alpha, fresh\) interrupted/);
    await app.controller.settle();
    expect(app.forced.count).toBe(0);
    expect(app.quit.count).toBe(0);
    expect(run.state.steps.alpha?.status).toBe('interrupted');
    const kept = (await run.artifact('alpha-out').keys()).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(1000);
    await run.close();
  });

  it('second Ctrl-C while the step is still stopping calls the force exit', async () => {
    const run = await tempRun();
    // A step that ignores the abort for a while, like one waiting on a slow request.
    const stubborn = countingStep('slow', [], {
      async run(ctx) {
        ctx.emit({ type: 'progress', done: 1, total: 10 });
        await new Promise((r) => setTimeout(r, 1500));
        return { counts: {}, summary: 'late' };
      },
    });
    const app = await renderApp(run, [stubborn]);
    await waitForText(app, 'slow');
    await pressAndWaitFor(app, 'r', '1/10');
    await pressAndWaitFor(app, KEY.ctrlC, '(stopping)');
    app.stdin.write(KEY.ctrlC);
    const start = Date.now();
    while (app.forced.count === 0 && Date.now() - start < 2000) await new Promise((r) => setTimeout(r, 10));
    expect(app.forced.count).toBe(1);
    await app.controller.settle();
    expect(run.state.steps.slow?.status).toBe('interrupted');
    await run.close();
  });

  it('q and Ctrl-C quit when idle; q is refused while a step runs', async () => {
    const run = await tempRun();
    const alpha = countingStep('alpha');
    await applyParams(run, [alpha], { alpha: { total: 300, delayMs: 10 } });
    const app = await renderApp(run, [alpha]);
    await waitForText(app, 'alpha');
    await pressAndWaitFor(app, 'r', /\d+\/300/);
    await pressAndWaitFor(app, 'q', 'a step is running');
    expect(app.quit.count).toBe(0);
    await pressAndWaitFor(app, 's', 'interrupted');
    await app.controller.settle();
    app.stdin.write(KEY.ctrlC);
    await waitForQuit(app);
    await run.close();
  });

  it('reopening a run restores the screen, the selected cell and the open report', async () => {
    const run = await tempRun();
    await writeInspectorFixtures(run);
    const steps = [countingStep('alpha'), countingStep('beta')];
    let app = await renderApp(run, steps);
    await waitForText(app, 'beta');
    await pressAndWaitFor(app, KEY.down, /▸\s*2/);
    await pressAndWaitFor(app, 'i', '3 of 3 reports');
    await pressAndWaitFor(app, [KEY.down], /▸ s200/);
    await pressAndWaitFor(app, KEY.enter, 's200 · subject p2');
    app.stdin.write('q');
    await waitForQuit(app);
    expect(run.state.ui).toMatchObject({ screen: 'inspector', selectedStep: 'beta', inspectorStudy: 's200' });
    const dir = run.dir;
    await run.close();

    const again = await Run.open(dir);
    app = await renderApp(again, steps);
    await waitForText(app, 's200 · subject p2');
    await pressAndWaitFor(app, KEY.escape, '3 of 3 reports');
    await pressAndWaitFor(app, KEY.escape, 'cxrvqa · notebook');
    await waitForText(app, /▸\s*2/);
    await again.close();
  });

  it('quit from the progress screen after a finished run reopens on the notebook, not an empty progress view', async () => {
    const run = await tempRun();
    const steps = [countingStep('alpha')];
    const app = await renderApp(run, steps);
    await waitForText(app, 'alpha');
    // The step's end, not its last progress line: q is refused while the step still winds down.
    await pressAndWaitFor(app, 'r', /\(alpha, fresh\) done/);
    app.stdin.write('q');
    await waitForQuit(app);
    expect(run.state.ui).toMatchObject({ screen: 'progress' });
    const dir = run.dir;
    await run.close();

    const again = await Run.open(dir);
    const reopened = await renderApp(again, steps);
    const frame = await waitForText(reopened, /alpha\s+done/);
    expect(frame).toContain('cxrvqa · notebook');
    await again.close();
  });
});
