import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import React from 'react';
import { Wizard, type WizardResult } from '../../src/ui/wizard/Wizard.js';
import { countingStep } from './helpers/fakeSteps.js';
import { writeInspectorFixtures } from './helpers/fixtures.js';
import { KEY, pressAndWaitFor, renderApp, tempRun, waitForText } from './helpers/render.js';

/**
 * Over SSH one read often carries several keys (key repeat, paste, text then
 * Enter). Each test writes a whole burst to stdin at once, as such a read does.
 */
afterEach(() => cleanup());

const PASTE = (text: string) => `\x1b[200~${text}\x1b[201~`;

describe('keys arriving in one burst', () => {
  it('notebook list: "jjj" and two Down arrows move once per key', async () => {
    const run = await tempRun();
    const app = await renderApp(
      run,
      Array.from({ length: 8 }, (_, i) => countingStep(`st${i}`)),
    );
    await waitForText(app, 'st0');
    await pressAndWaitFor(app, 'jjj', /▸\s*4 .*st3/);
    await pressAndWaitFor(app, KEY.down + KEY.down, /▸\s*6 .*st5/);
    await pressAndWaitFor(app, 'kk', /▸\s*4 .*st3/);
    await run.close();
  });

  it('cell params: Enter, Backspaces, digits and Enter in one read edit and save the value', async () => {
    const run = await tempRun();
    const app = await renderApp(run, [countingStep('alpha')]);
    await waitForText(app, 'alpha');
    await pressAndWaitFor(app, KEY.enter, 'Params');
    // Enter opens the field; the keys after it in the same read must land in it, not run the step.
    const frame = await pressAndWaitFor(app, '\r\x7f\x7f7\r', 'alpha.total saved');
    expect(frame).toMatch(/total\s+7/);
    expect(run.state.steps.alpha?.params.total).toBe(7);
    expect(run.state.steps.alpha?.status ?? 'not_run').toBe('not_run');
    await run.close();
  });

  it('inspector search and note: text with Backspaces submits; a paste with line breaks stays one line', async () => {
    const run = await tempRun();
    await writeInspectorFixtures(run);
    const app = await renderApp(run, [], { initial: { screen: 'inspector' } });
    await waitForText(app, '3 of 3 reports');
    await pressAndWaitFor(app, '/', 'find: ▌');
    const frame = await pressAndWaitFor(app, 'cardiox\x7f\r', (f) => f.includes('find: cardio') && !f.includes('▌'));
    expect(frame).toContain('1 of 3 reports');
    expect(frame).not.toContain('\x7f');

    await pressAndWaitFor(app, KEY.enter, /finding\s+rules/);
    await pressAndWaitFor(app, 'n', 'note: ▌');
    app.stdin.write(PASTE('first line\nsecond line'));
    await waitForText(app, 'note: first line second line▌');
    // The frame with '!' typed already holds the text: wait for the field to close on Enter.
    await pressAndWaitFor(app, '!\r', (f) => f.includes('note: first line second line!') && !f.includes('▌'));
    // The note is written after the frame changes: wait for the write, not for a frame.
    await vi.waitFor(async () => {
      const saved = await run.artifact<{ study_id: string; note: string }>('reviews').readMap();
      expect(saved.get('s200')?.note).toBe('first line second line!');
    });
    await run.close();
  });

  it('wizard: arrows and a typed path with Backspaces and Enter, each in one read', async () => {
    let result: WizardResult | null = null;
    const app = render(<Wizard onDone={(r) => (result = r)} onCancel={() => {}} />);
    await waitForText(app, '1/3 Corpus');
    await pressAndWaitFor(app, KEY.down + KEY.down, /▸ a CSV file/);
    await pressAndWaitFor(app, KEY.enter, 'path to the CSV file');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cxrvqa-burst-'));
    const csv = path.join(dir, 'r.csv');
    fs.writeFileSync(csv, 'uid,findings\n1,clear\n');
    const frame = await pressAndWaitFor(app, `${csv}xyz\x7f\x7f\x7f\r`, (f) => !f.includes('path to the CSV file'));
    expect(frame).not.toContain('does not exist');
    expect(frame).not.toContain('xyz');
    expect(result).toBeNull();
  });
});
