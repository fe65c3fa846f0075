import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { recordStepEngine } from '../../src/pipeline/index.js';
import { countingStep } from './helpers/fakeSteps.js';
import { KEY, pressAndWaitFor, renderApp, tempRun, waitForText } from './helpers/render.js';

afterEach(() => cleanup());

describe('engine of an LLM step in the notebook', () => {
  it('rows say live or batch with its progress and next action; the cell view has the whole line', async () => {
    const run = await tempRun();
    await recordStepEngine(run, 'remote', {
      engine: 'batch',
      remote: { state: 'running', done: 1200, total: 5000, id: 'batch_abc', updatedAt: new Date().toISOString() },
    });
    const steps = [
      countingStep('plain'),
      countingStep('asks', [], { usesLlm: () => true }),
      countingStep('remote', [], { usesLlm: () => true }),
    ];
    const app = await renderApp(run, steps, { columns: 100 });
    const frame = await waitForText(app, 'remote');
    expect(frame).toMatch(/^\s+live · writes one record per item to asks-out/m);
    expect(frame).toMatch(/^\s+batch running 1,200\/5,000 · next: wait; `cxrvqa run` \(r\) resumes polling/m);
    // A step that sends no LLM requests has no engine.
    expect(frame).toMatch(/^\s+writes one record per item to plain-out/m);

    await pressAndWaitFor(app, KEY.down, /▸\s*2/);
    await pressAndWaitFor(app, KEY.down, /▸\s*3/);
    const cell = await pressAndWaitFor(app, KEY.enter, 'Params');
    expect(cell).toMatch(/engine: Batch API · running 1,200\/5,000 · batch_abc · polled \d+s ago · next: wait/);
    await run.close();
  });

  it('an expired batch in the cell view says what `r` will resubmit', async () => {
    const run = await tempRun();
    await recordStepEngine(run, 'remote', {
      engine: 'batch',
      remote: { state: 'expired', done: 4100, total: 5000, updatedAt: new Date().toISOString() },
    });
    const app = await renderApp(run, [countingStep('remote', [], { usesLlm: () => true })], { columns: 120 });
    await waitForText(app, 'remote');
    const cell = await pressAndWaitFor(app, KEY.enter, 'Params');
    expect(cell).toMatch(
      /engine: Batch API · expired 4,100\/5,000 .*next: `cxrvqa run` \(r\) resubmits the 900 requests/,
    );
    await run.close();
  });
});
