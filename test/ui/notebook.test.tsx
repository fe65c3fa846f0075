import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { countingStep } from './helpers/fakeSteps.js';
import {
  KEY,
  frameWidth,
  pressAndWaitFor,
  renderApp,
  resize,
  tempRun,
  waitFor,
  waitForText,
} from './helpers/render.js';

afterEach(() => cleanup());

describe('notebook view', () => {
  it('lists the steps as cells with status, and runs the selected one', async () => {
    const run = await tempRun();
    const a = countingStep('alpha');
    const b = countingStep('beta', ['alpha-out']);
    const app = await renderApp(run, [a, b]);
    let frame = await waitForText(app, 'beta');
    expect(frame).toMatch(/alpha\s+not run/);
    expect(frame).toMatch(/beta\s+not run/);
    expect(frame).toContain('corpus: (none)');
    expect(frame).toContain('a runs all steps');

    // r on the first cell runs it and switches to the progress view
    frame = await pressAndWaitFor(app, 'r', /20\/20 100\.0%/);
    expect(frame).toContain('cxrvqa · progress');
    await pressAndWaitFor(app, KEY.escape, /alpha\s+done\s+alpha-out=20/);
    frame = await waitForText(app, '20 records in alpha-out');
    expect(frame).toMatch(/▸\s*1/);
    expect(frame).not.toContain('a runs all steps');

    await pressAndWaitFor(app, KEY.down, /▸\s*2/);
    await pressAndWaitFor(app, 'r', /Count beta.*done/);
    await pressAndWaitFor(app, KEY.escape, /beta\s+done/);

    // re-running alpha fresh makes beta stale (its input changed)
    await app.controller.start({ kind: 'step', stepId: 'alpha', force: true });
    frame = await waitForText(app, /beta\s+stale/);
    expect(frame).toContain('stale: alpha-out changed');
    await run.close();
  });

  it('fits 80 columns and follows a resize', async () => {
    const run = await tempRun();
    const app = await renderApp(run, [countingStep('alpha'), countingStep('a-step-with-a-long-name')]);
    let frame = await waitForText(app, 'alpha');
    expect(frameWidth(frame)).toBeLessThanOrEqual(80);
    resize(app, 60, 20);
    // Poll for the re-render instead of sleeping: under load it can come later than any fixed pause.
    frame = await waitFor(app, (f) => f.includes('alpha') && frameWidth(f) <= 60, 5000, 'a frame 60 columns wide');
    expect(frameWidth(frame)).toBeLessThanOrEqual(60);
    expect(frame.split('\n').length).toBeLessThanOrEqual(20);
    await run.close();
  });

  it('windows the cells when the terminal is short', async () => {
    const run = await tempRun();
    const steps = Array.from({ length: 12 }, (_, i) => countingStep(`st${i}`));
    const app = await renderApp(run, steps, { rows: 14 });
    await waitForText(app, 'st0');
    let frame = app.lastFrame()!;
    expect(frame).not.toContain('st11');
    for (let i = 0; i < 11; i++) app.stdin.write('j');
    frame = await waitForText(app, 'st11');
    expect(frame).not.toContain(' st0 ');
    expect(frame.split('\n').length).toBeLessThanOrEqual(14);
    await run.close();
  });
});
