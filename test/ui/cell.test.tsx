import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { countingStep } from './helpers/fakeSteps.js';
import { KEY, pressAndWaitFor, renderApp, tempRun, typeText, waitForText } from './helpers/render.js';

afterEach(() => cleanup());

describe('cell view', () => {
  it('shows params, rejects an invalid value with the zod message, saves a valid one', async () => {
    const run = await tempRun();
    const app = await renderApp(run, [countingStep('alpha')]);
    await waitForText(app, 'alpha');
    let frame = await pressAndWaitFor(app, KEY.enter, 'Params');
    expect(frame).toMatch(/total\s+20/);
    expect(frame).toMatch(/delayMs\s+0/);
    expect(frame).toContain('writes: alpha-out=0');

    // edit "total": clear the field, type an invalid value
    await pressAndWaitFor(app, KEY.enter, '20▌');
    await typeText(app, KEY.backspace.repeat(4));
    await typeText(app, '-3');
    frame = await pressAndWaitFor(app, KEY.enter, 'invalid:');
    expect(frame).toMatch(/invalid: total: .*>=\s*1/);
    expect(run.state.steps.alpha?.params.total).toBeUndefined();

    // a letter typed while editing goes to the field, not to the app (no quit)
    await typeText(app, KEY.backspace.repeat(4));
    await typeText(app, '5');
    frame = await pressAndWaitFor(app, KEY.enter, 'alpha.total saved');
    expect(run.state.steps.alpha?.params.total).toBe(5);
    expect(frame).toMatch(/total\s+5/);

    // r runs the step with the new params
    await pressAndWaitFor(app, 'r', /5\/5 100\.0%/);
    await pressAndWaitFor(app, KEY.escape, /alpha\s+done\s+alpha-out=5/);
    await run.close();
  });

  it('Esc cancels an edit without saving', async () => {
    const run = await tempRun();
    const app = await renderApp(run, [countingStep('alpha')]);
    await waitForText(app, 'alpha');
    await pressAndWaitFor(app, KEY.enter, 'Params');
    await pressAndWaitFor(app, KEY.down, /▸ delayMs/);
    await pressAndWaitFor(app, KEY.enter, /delayMs\s+0▌/);
    await typeText(app, '7');
    await pressAndWaitFor(app, KEY.escape, /delayMs\s+0\s*$/m);
    expect(run.state.steps.alpha?.params.delayMs).toBeUndefined();
    // Esc again leaves the cell
    await pressAndWaitFor(app, KEY.escape, 'cxrvqa · notebook');
    await run.close();
  });
});
