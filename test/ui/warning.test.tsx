import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { StepStateSchema } from '../../src/pipeline/schemas/state.js';
import { countingStep } from './helpers/fakeSteps.js';
import { KEY, pressAndWaitFor, renderApp, tempRun, waitForText } from './helpers/render.js';

afterEach(() => cleanup());

describe('notebook: a step whose result is empty', () => {
  it('shows its own glyph and status, never a done, and the cell gives the reason and the fix', async () => {
    const run = await tempRun();
    await run.update((s) => {
      s.steps.alpha = StepStateSchema.parse({
        status: 'done',
        summary: '0 written',
        warning: '0 records from 5 inputs. Fix: raise alpha.total',
      });
    });
    const app = await renderApp(run, [countingStep('alpha'), countingStep('beta', ['alpha-out'])]);
    const frame = await waitForText(app, /alpha\s+warning/);
    expect(frame).toMatch(/▲[^\n]*alpha/);
    expect(frame).not.toMatch(/alpha\s+done/);
    const cell = await pressAndWaitFor(app, KEY.enter, 'Params');
    expect(cell.replace(/\s+/g, ' ')).toContain('warning: 0 records from 5 inputs. Fix: raise alpha.total');
    await run.close();
  });

  it('the progress view ends such a step as `warning`, not done', async () => {
    const run = await tempRun();
    const empty = countingStep('alpha', [], {
      async run() {
        return { counts: { 'alpha-out': 0 }, summary: '0 kept', warning: '0 kept of 5. Fix: raise alpha.total' };
      },
    });
    const app = await renderApp(run, [empty]);
    await waitForText(app, 'alpha');
    const frame = await pressAndWaitFor(app, 'r', /\(alpha, fresh\) warning/);
    expect(frame).not.toMatch(/\(alpha, fresh\) done/);
    await run.close();
  });
});
