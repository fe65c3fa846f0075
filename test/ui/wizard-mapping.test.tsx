import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import React from 'react';
import { Wizard, type WizardResult } from '../../src/ui/wizard/Wizard.js';
import { writeOwnCsv } from '../helpers/own-csv.js';
import { makeTempDir } from '../helpers/tmp.js';
import { KEY, pressAndWaitFor, typeText, waitFor, waitForText, type Rendered } from './helpers/render.js';

let tmp: ReturnType<typeof makeTempDir>;
afterEach(() => {
  cleanup();
  tmp?.cleanup();
});

/** Choose "a CSV file" (or JSONL), type the path and wait for the mapping step. */
async function openMapping(app: Rendered, file: string, downs = 2): Promise<string> {
  await waitForText(app, '1/3 Corpus');
  await pressAndWaitFor(app, Array(downs).fill(KEY.down), downs === 2 ? /▸ a CSV file/ : /▸ a JSONL file/);
  await pressAndWaitFor(app, KEY.enter, /path to the (CSV|JSONL) file/);
  await typeText(app, file);
  return pressAndWaitFor(app, KEY.enter, `Map the columns of ${path.basename(file)}`);
}

async function finish(app: Rendered, result: () => WizardResult | null): Promise<WizardResult> {
  await pressAndWaitFor(app, KEY.enter, '2/3 Extraction backend');
  await pressAndWaitFor(app, KEY.enter, '3/3 run folder');
  app.stdin.write(KEY.enter);
  await waitFor(app, () => result() !== null, 15_000, 'the wizard result');
  return result()!;
}

/** The table line of one field (the box edge and the cursor mark stripped). */
const fieldLine = (frame: string, label: string) =>
  frame
    .split('\n')
    .map((l) => l.replace(/^│\s*(▸\s*)?/, ''))
    .find((l) => l.startsWith(label)) ?? '';
/** The frame as one line of text, so a message wrapped by the box still reads whole. */
const flat = (frame: string) =>
  frame
    .split('\n')
    .map((l) => l.replace(/^│\s?/, '').replace(/\s*│$/, ''))
    .join(' ')
    .replace(/\s+/g, ' ');

describe('wizard column mapping for a person’s own file', () => {
  it('reads the header, shows the first row and the guesses, and submits them with Enter', async () => {
    tmp = makeTempDir();
    const file = writeOwnCsv(tmp.dir, 5);
    let result: WizardResult | null = null;
    const app = render(<Wizard onDone={(r) => (result = r)} onCancel={() => {}} />);
    const frame = await openMapping(app, file);
    expect(frame).toContain('columns: Report ID, Patient, Exam date, Projection, Findings text, Site');
    // Each field: its guessed column, then that column's value in the first row.
    expect(fieldLine(frame, 'study id *')).toMatch(/Report ID\s+R1000/);
    expect(fieldLine(frame, 'report text *')).toMatch(/Findings text\s+FINDINGS: There is a small/);
    expect(fieldLine(frame, 'subject (patient)')).toMatch(/Patient\s+P0/);
    expect(fieldLine(frame, 'date')).toMatch(/Exam date\s+2024-01-01/);
    expect(fieldLine(frame, 'view')).toMatch(/Projection\s+Xray Chest PA and Lateral/);
    expect(fieldLine(frame, 'order')).toContain('—');
    const r = await finish(app, () => result);
    expect(r.corpus).toMatchObject({
      kind: 'csv',
      path: file,
      columns: {
        study_id: 'Report ID',
        text: 'Findings text',
        subject_id: 'Patient',
        study_date: 'Exam date',
        view: 'Projection',
      },
    });
  });

  it('edits a guess: another column (case forgiven), a typo refused with the file’s columns, a field left empty', async () => {
    tmp = makeTempDir();
    const file = writeOwnCsv(tmp.dir, 5);
    let result: WizardResult | null = null;
    const app = render(<Wizard onDone={(r) => (result = r)} onCancel={() => {}} />);
    await openMapping(app, file);
    // From "use this mapping", up once is view; up four times is subject.
    await pressAndWaitFor(app, Array(4).fill(KEY.up), /▸ subject \(patient\)/);
    await pressAndWaitFor(app, KEY.enter, 'Enter keeps the column(s)');
    await typeText(app, KEY.backspace.repeat(10) + 'Sitte');
    const frame = await pressAndWaitFor(app, KEY.enter, 'has no column "Sitte"');
    expect(flat(frame)).toContain(
      'Columns: "Report ID", "Patient", "Exam date", "Projection", "Findings text", "Site"',
    );
    await typeText(app, KEY.backspace.repeat(5) + 'site');
    await pressAndWaitFor(app, KEY.enter, (f) => /subject \(patient\)\s+Site\s+north/.test(f));
    // The view: emptied, so no column feeds it.
    await pressAndWaitFor(app, Array(3).fill(KEY.down), /▸ view/);
    await pressAndWaitFor(app, KEY.enter, 'Enter keeps the column(s)');
    await typeText(app, KEY.backspace.repeat(12));
    await pressAndWaitFor(app, KEY.enter, (f) => /▸ view\s+—/.test(f));
    await pressAndWaitFor(app, KEY.down, /▸ use this mapping/);
    const r = await finish(app, () => result);
    expect(r.corpus.columns).toEqual({
      study_id: 'Report ID',
      text: 'Findings text',
      subject_id: 'Site',
      study_date: 'Exam date',
      view: '-',
    });
  });

  it('lists every missing column at once, with the columns the file has, and goes on once they are set', async () => {
    tmp = makeTempDir();
    const file = path.join(tmp.dir, 'odd.csv');
    fs.writeFileSync(file, 'Ref,Body,Patient name\nA1,FINDINGS: Mild edema.,P1\n');
    let result: WizardResult | null = null;
    const app = render(<Wizard onDone={(r) => (result = r)} onCancel={() => {}} />);
    const frame = await openMapping(app, file);
    expect(fieldLine(frame, 'subject (patient)')).toMatch(/Patient name\s+P1/);
    const error = flat(await pressAndWaitFor(app, KEY.enter, 'study_id: no column guessed'));
    expect(error).toContain('text: no column guessed');
    expect(error).toContain('Columns in odd.csv: "Ref", "Body", "Patient name"');
    expect(error).not.toContain('2/3 Extraction backend');

    await pressAndWaitFor(app, Array(6).fill(KEY.up), /▸ study id/);
    await pressAndWaitFor(app, KEY.enter, 'Enter keeps the column(s)');
    await typeText(app, 'Ref');
    await pressAndWaitFor(app, KEY.enter, /study id \*\s+Ref\s+A1/);
    await pressAndWaitFor(app, KEY.down, /▸ report text/);
    await pressAndWaitFor(app, KEY.enter, 'Enter keeps the column(s)');
    await typeText(app, 'Body');
    await pressAndWaitFor(app, KEY.enter, /report text \*\s+Body\s+FINDINGS: Mild edema/);
    await pressAndWaitFor(app, Array(5).fill(KEY.down), /▸ use this mapping/);
    const r = await finish(app, () => result);
    expect(r.corpus.columns).toEqual({ study_id: 'Ref', text: 'Body', subject_id: 'Patient name' });
  });

  it('maps a JSONL file by the keys of its first object', async () => {
    tmp = makeTempDir();
    const file = path.join(tmp.dir, 'r.jsonl');
    fs.writeFileSync(file, JSON.stringify({ id: 'x1', report: 'FINDINGS: Clear.', projection: 'PA' }) + '\n');
    let result: WizardResult | null = null;
    const app = render(<Wizard onDone={(r) => (result = r)} onCancel={() => {}} />);
    const frame = await openMapping(app, file, 3);
    expect(fieldLine(frame, 'report text *')).toMatch(/report\s+FINDINGS: Clear\./);
    const r = await finish(app, () => result);
    expect(r.corpus).toMatchObject({ kind: 'jsonl', columns: { study_id: 'id', text: 'report', view: 'projection' } });
  });

  it('says a binary file is one at the path step, without its bytes', async () => {
    tmp = makeTempDir();
    const file = path.join(tmp.dir, 'book.csv');
    fs.writeFileSync(
      file,
      Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(26), Buffer.from('xl/workbook.xml\x00\xff')]),
    );
    const app = render(<Wizard onDone={() => {}} onCancel={() => {}} />);
    await waitForText(app, '1/3 Corpus');
    await pressAndWaitFor(app, [KEY.down, KEY.down], /▸ a CSV file/);
    await pressAndWaitFor(app, KEY.enter, 'path to the CSV file');
    await typeText(app, file);
    const frame = await pressAndWaitFor(app, KEY.enter, 'is an Excel workbook');
    // eslint-disable-next-line no-control-regex
    expect(frame).not.toMatch(/[\u0000-\u0008\u000e-\u001a\u007f-\u009f\ufffd]/);
  });
});
