import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { applyConfig, corpusConfigFrom } from '../../src/pipeline/runner/configure.js';
import { ingestStep } from '../../src/pipeline/ingest/step.js';
import { defineStep } from '../../src/pipeline/steps/contract.js';
import { writeOwnCsv } from '../helpers/own-csv.js';
import { makeTempDir } from '../helpers/tmp.js';
import { KEY, pressAndWaitFor, renderApp, tempRun, typeText, waitForText } from './helpers/render.js';

let tmp: ReturnType<typeof makeTempDir>;
afterEach(() => {
  cleanup();
  tmp?.cleanup();
});

describe('the ingest cell edits the column mapping', () => {
  it('m opens the mapping with the stored columns; a new view column is saved and ingest turns stale', async () => {
    tmp = makeTempDir();
    const file = writeOwnCsv(tmp.dir, 6, 'mine.csv', 'Film');
    const run = await tempRun();
    await applyConfig(run, { corpus: corpusConfigFrom({ corpus: file })!, backend: 'rules' });
    const app = await renderApp(run, [defineStep(ingestStep)]);
    await waitForText(app, /ingest\s+not run/);
    await pressAndWaitFor(app, 'r', /\(ingest, fresh\) done/, 60_000);
    await pressAndWaitFor(app, KEY.escape, /ingest\s+done/);
    let frame = await pressAndWaitFor(app, KEY.enter, 'c edits the column mapping');
    expect(frame).toContain('columns: guessed from the header');

    frame = await pressAndWaitFor(app, 'c', 'Map the columns of mine.csv');
    expect(frame).toMatch(/view\s+—/);
    await pressAndWaitFor(app, KEY.up, /▸ view/);
    await pressAndWaitFor(app, KEY.enter, 'Enter keeps the column(s)');
    // q and a are text here, not the app's quit and run-all keys.
    await typeText(app, 'Nope qa');
    await pressAndWaitFor(app, KEY.enter, 'has no column "Nope qa"');
    expect(app.quit.count).toBe(0);
    await typeText(app, KEY.backspace.repeat(7) + 'Film');
    await pressAndWaitFor(app, KEY.enter, /view\s+Film\s+Xray Chest PA/);
    await pressAndWaitFor(app, KEY.down, /▸ use this mapping/);
    frame = await pressAndWaitFor(app, KEY.enter, 'column mapping saved');
    expect(frame).toContain('stale: params or config changed');
    expect(run.state.config.corpus?.columns).toMatchObject({ view: 'Film', study_id: 'Report ID' });
    await pressAndWaitFor(app, KEY.escape, /ingest\s+stale/);
    await run.close();
  }, 120_000);

  it('Esc leaves the mapping as it was', async () => {
    tmp = makeTempDir();
    const file = writeOwnCsv(tmp.dir, 3);
    const run = await tempRun();
    await applyConfig(run, { corpus: corpusConfigFrom({ corpus: file })!, backend: 'rules' });
    const app = await renderApp(run, [defineStep(ingestStep)]);
    await waitForText(app, /ingest\s+not run/);
    await pressAndWaitFor(app, KEY.enter, 'c edits the column mapping');
    await pressAndWaitFor(app, 'c', `Map the columns of ${path.basename(file)}`);
    await pressAndWaitFor(app, Array(6).fill(KEY.up), /▸ study id/);
    await pressAndWaitFor(app, KEY.enter, 'Enter keeps the column(s)');
    await typeText(app, KEY.backspace.repeat(9) + 'Patient');
    await pressAndWaitFor(app, KEY.enter, /study id \*\s+Patient/);
    await pressAndWaitFor(app, KEY.escape, 'c edits the column mapping');
    expect(run.state.config.corpus?.columns).toEqual({});
    await run.close();
  }, 60_000);
});
