import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { applyConfig, corpusConfigFrom } from '../../src/pipeline/runner/configure.js';
import { STEPS } from '../../src/pipeline/steps/registry.js';
import { KEY, pressAndWaitFor, renderApp, tempRun, waitForText } from './helpers/render.js';

afterEach(() => cleanup());

describe('the app on the real steps and the bundled sample', () => {
  it('runs every step from the notebook, then shows the dataset and the inspector', async () => {
    const run = await tempRun();
    await applyConfig(run, { corpus: corpusConfigFrom({ sample: true })!, backend: 'rules' });
    const app = await renderApp(run, STEPS);
    let frame = await waitForText(app, /questions\s+not run/);
    expect(frame).toContain(`${STEPS.length} steps`);
    // The plan's last step: an earlier step's "done" line can be replaced before a poll sees it.
    await pressAndWaitFor(app, 'a', /\(check, fresh\) done/, 120_000);
    frame = await pressAndWaitFor(app, KEY.escape, /questions\s+done/);
    for (const id of ['ingest', 'reference', 'extract', 'standardize'])
      expect(frame).toMatch(new RegExp(`${id}\\s+done`));
    // steps that do not apply to a rules run say why
    expect(frame).toMatch(/followup\s+n\/a/);

    frame = await pressAndWaitFor(app, 'd', /QA pairs · \d+ studies/);
    const count = run.state.artifacts.questions?.count ?? 0;
    expect(count).toBeGreaterThan(0);
    expect(frame).toMatch(new RegExp(`total\\s+${count}\\s+100%`));

    await pressAndWaitFor(app, KEY.escape, 'cxrvqa · notebook');
    await pressAndWaitFor(app, 'i', /(\d+) of \1 reports/);
    await pressAndWaitFor(app, KEY.enter, /finding\s+rules\s+llm raw\s+std c0/);
    await run.close();
  }, 180_000);
});
