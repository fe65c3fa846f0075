import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { Run } from '../../src/pipeline/store/run.js';
import { UserError } from '../../src/pipeline/util/errors.js';
import { countingStep } from './helpers/fakeSteps.js';
import { KEY, pressAndWaitFor, renderApp, tempRun, waitForText } from './helpers/render.js';

afterEach(() => cleanup());

describe('failures and read-only runs', () => {
  it('a failing step shows failed with its message in the cell and the notebook', async () => {
    const run = await tempRun();
    const broken = countingStep('broken', [], {
      async run() {
        throw new Error('disk full while writing broken-out');
      },
    });
    const app = await renderApp(run, [broken]);
    await waitForText(app, 'broken');
    await pressAndWaitFor(app, 'r', /\(broken, fresh\) failed/);
    const frame = await pressAndWaitFor(app, KEY.escape, /broken\s+failed/);
    expect(frame).toContain('error: disk full while writing broken-out');
    expect(run.state.steps.broken?.status).toBe('failed');
    await run.close();
  });

  it('a preflight refusal is shown as a message and nothing starts', async () => {
    const run = await tempRun();
    const picky = countingStep('picky', [], {
      async preflight() {
        throw new UserError('No LLM endpoint is configured.');
      },
    });
    const app = await renderApp(run, [picky]);
    await waitForText(app, 'picky');
    await pressAndWaitFor(app, 'r', 'No LLM endpoint is configured.');
    expect(run.state.steps.picky?.status ?? 'not_run').toBe('not_run');
    await run.close();
  });

  it('a run held by another process opens read-only: it can be viewed, not run', async () => {
    const run = await tempRun();
    const viewer = await Run.open(run.dir, { readOnly: true });
    const app = await renderApp(viewer, [countingStep('alpha')]);
    await waitForText(app, 'alpha');
    await pressAndWaitFor(app, 'r', 'open read-only');
    expect(viewer.state.steps.alpha).toBeUndefined();
    await run.close();
  });
});
