import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import React from 'react';
import { Wizard, type WizardResult } from '../../src/ui/wizard/Wizard.js';
import { KEY, pressAndWaitFor, typeText, waitForText } from './helpers/render.js';

afterEach(() => cleanup());

describe('new-run wizard', () => {
  it('sets up a run on the bundled sample with the rules backend', async () => {
    let result: WizardResult | null = null;
    const app = render(<Wizard onDone={(r) => (result = r)} onCancel={() => {}} />);
    await waitForText(app, '1/3 Corpus');
    await pressAndWaitFor(app, KEY.enter, '2/3 Extraction backend');
    await pressAndWaitFor(app, KEY.enter, '3/3 run folder: runs/sample');
    app.stdin.write(KEY.enter);
    const start = Date.now();
    while (!result && Date.now() - start < 3000) await new Promise((r) => setTimeout(r, 10));
    expect(result).toMatchObject({ backend: 'rules', runDir: 'runs/sample', corpus: { kind: 'sample' } });
  });

  it('checks a CSV path and shows a clear message when it is missing', async () => {
    let result: WizardResult | null = null;
    const app = render(<Wizard onDone={(r) => (result = r)} onCancel={() => {}} />);
    await waitForText(app, '1/3 Corpus');
    await pressAndWaitFor(app, [KEY.down, KEY.down], /▸ a CSV file/);
    await pressAndWaitFor(app, KEY.enter, 'path to the CSV file');
    await typeText(app, '/nonexistent/reports.csv');
    const frame = await pressAndWaitFor(app, KEY.enter, 'Corpus path does not exist');
    expect(frame).toContain('/nonexistent/reports.csv');
    expect(result).toBeNull();

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cxrvqa-wiz-'));
    const csv = path.join(dir, 'r.csv');
    fs.writeFileSync(csv, 'uid,findings\n1,clear\n');
    // Esc goes back to the corpus choice; choose CSV again with a real file
    await pressAndWaitFor(app, KEY.escape, '1/3 Corpus');
    await pressAndWaitFor(app, [KEY.down, KEY.down], /▸ a CSV file/);
    await pressAndWaitFor(app, KEY.enter, 'path to the CSV file');
    await typeText(app, KEY.backspace.repeat(40) + csv);
    await pressAndWaitFor(app, KEY.enter, 'Map the columns of r.csv');
    await pressAndWaitFor(app, KEY.enter, '2/3 Extraction backend');
    await pressAndWaitFor(app, [KEY.down], /▸ LLM endpoints/);
    await pressAndWaitFor(app, KEY.enter, 'endpoint URL');
    await typeText(app, 'not a url');
    await pressAndWaitFor(app, KEY.enter, 'not a URL: not a url');
    await typeText(app, KEY.backspace.repeat(9) + 'http://127.0.0.1:8000/v1');
    await pressAndWaitFor(app, KEY.enter, 'model name');
    await typeText(app, 'extractor');
    await pressAndWaitFor(app, KEY.enter, '3/3 run folder');
    await typeText(app, KEY.backspace.repeat(20) + path.join(dir, 'run'));
    app.stdin.write(KEY.enter);
    const start = Date.now();
    while (!result && Date.now() - start < 3000) await new Promise((r) => setTimeout(r, 10));
    expect(result).toMatchObject({
      backend: 'llm',
      runDir: path.join(dir, 'run'),
      corpus: { kind: 'csv', path: csv, columns: { study_id: 'uid', text: 'findings' } },
      llm: { endpoints: [{ url: 'http://127.0.0.1:8000/v1' }], model: 'extractor' },
    });
  });

  it("refuses an endpoint URL carrying a key with the pipeline's message, and goes on once it is removed", async () => {
    const app = render(<Wizard onDone={() => {}} onCancel={() => {}} />);
    await waitForText(app, '1/3 Corpus');
    await pressAndWaitFor(app, KEY.enter, '2/3 Extraction backend');
    await pressAndWaitFor(app, [KEY.down], /▸ LLM endpoints/);
    await pressAndWaitFor(app, KEY.enter, 'endpoint URL');
    await typeText(app, 'http://u:sk-abcdefgh12345678@127.0.0.1:8000/v1');
    const frame = await pressAndWaitFor(app, KEY.enter, /carries a\s+credential/);
    expect(frame).toMatch(/--key-env/);
    expect(frame).not.toContain('model name');
    await typeText(app, KEY.backspace.repeat(60) + 'http://127.0.0.1:8000/v1');
    await pressAndWaitFor(app, KEY.enter, 'model name');
  });

  it('q cancels', async () => {
    let cancelled = false;
    const app = render(<Wizard onDone={() => {}} onCancel={() => (cancelled = true)} />);
    await waitForText(app, '1/3 Corpus');
    app.stdin.write('q');
    const start = Date.now();
    while (!cancelled && Date.now() - start < 3000) await new Promise((r) => setTimeout(r, 10));
    expect(cancelled).toBe(true);
  });
});
