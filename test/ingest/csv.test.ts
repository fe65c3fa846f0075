import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isIndianaHeader, planColumns } from '../../src/pipeline/ingest/columns.js';
import { UserError } from '../../src/pipeline/util/errors.js';
import { makeTempDir } from '../helpers/tmp.js';
import { ingest, writeFile } from './fixtures.js';

let tmp: ReturnType<typeof makeTempDir>;
afterEach(() => tmp?.cleanup());

// Made-up rows in the Open-i column layout (no text from any real collection).
const OPENI = [
  'uid,MeSH,Problems,image,indication,comparison,findings,impression',
  '1,normal,normal,Xray Chest PA,Cough.,None.,The lungs are clear. No effusion.,No acute disease.',
  '2,Opacity/lung/base/left,Opacity,Xray Chest PA,"Fever, chills.",,,"Left basilar opacity, may represent pneumonia."',
  '3,normal,normal,Xray Chest PA,,,,',
].join('\n');

describe('CSV corpus', () => {
  it('reads the Open-i layout with default columns, joining sections so selection finds FINDINGS', async () => {
    tmp = makeTempDir();
    const file = writeFile(path.join(tmp.dir, 'openi.csv'), OPENI + '\n');
    const r = await ingest(path.join(tmp.dir, 'run'), { kind: 'csv', path: file });
    expect(r.reports.map((x) => x.study_id)).toEqual(['1', '2']);
    const [a, b] = r.reports;
    expect(a!.text).toBe(
      'INDICATION: Cough.\n\nCOMPARISON: None.\n\nFINDINGS: The lungs are clear. No effusion.\n\nIMPRESSION: No acute disease.',
    );
    expect(a!.selected).toBe('FINDINGS: The lungs are clear. No effusion.\n\nIMPRESSION: No acute disease.');
    expect(a).toMatchObject({
      subject_id: '1',
      // Open-i's image column is the view column: read into a projection, its text kept.
      view: 'PA',
      extra: { MeSH: 'normal', Problems: 'normal', view_text: 'Xray Chest PA' },
      source: 'openi.csv:2',
    });
    // No findings: the rule cut starts at the impression.
    expect(b!.rule_text).toBe('IMPRESSION: Left basilar opacity, may represent pneumonia.');
    expect(r.issues).toEqual([expect.objectContaining({ study_id: '3', reason: 'empty_text', skipped: true })]);
    expect(r.counts).toMatchObject({ input: 3, ingested: 2, skipped: 1 });
  });

  it('applies a column mapping and flags malformed lines with their line number', async () => {
    tmp = makeTempDir();
    const csv = [
      'rid,patient,body,when',
      'a1,p1,FINDINGS: ok one.,2',
      'a2,p1,FINDINGS: ok two.,1,EXTRA',
      'a3,p2,"unbalanced',
      '',
    ].join('\n');
    const file = writeFile(path.join(tmp.dir, 'r.csv'), csv);
    const r = await ingest(path.join(tmp.dir, 'run'), {
      kind: 'csv',
      path: file,
      columns: { study_id: 'rid', subject_id: 'patient', text: 'body', study_order: 'when' },
    });
    expect(r.reports).toEqual([
      expect.objectContaining({ study_id: 'a1', subject_id: 'p1', study_order: 2, text: 'FINDINGS: ok one.' }),
    ]);
    const reasons = r.issues.map((i) => [i.reason, i.source]);
    expect(reasons).toContainEqual(['malformed_row', 'r.csv:3']);
    expect(reasons.filter(([reason]) => reason === 'malformed_row')).toHaveLength(2);
    expect(r.counts.ingested! + r.counts.skipped!).toBe(r.counts.input);
  });

  it('keeps the rows after a field with a stray quote (csv-parse would otherwise swallow them)', async () => {
    tmp = makeTempDir();
    const csv = [
      'uid,findings,impression',
      '1,No effusion.,Normal.',
      '2,"Clear lungs" x,ok',
      '3,Small left effusion.,Effusion.',
      '4,Mild edema.,Edema.',
      '',
    ].join('\n');
    const file = writeFile(path.join(tmp.dir, 'q.csv'), csv);
    const r = await ingest(path.join(tmp.dir, 'run'), {
      kind: 'csv',
      path: file,
      columns: { study_id: 'uid', text: 'findings,impression' },
    });
    expect(r.reports.map((x) => x.study_id)).toEqual(['1', '2', '3', '4']);
    expect(r.reports[1]!.text).toContain('"Clear lungs" x');
    expect(r.counts).toMatchObject({ input: 4, ingested: 4, skipped: 0 });
  });

  it('keeps a row whose text has invalid UTF-8, with a warning', async () => {
    tmp = makeTempDir();
    const file = writeFile(
      path.join(tmp.dir, 'r.csv'),
      Buffer.concat([Buffer.from('study_id,text\nx1,FINDINGS: caf'), Buffer.from([0xe9]), Buffer.from(' ok\n')]),
    );
    const r = await ingest(path.join(tmp.dir, 'run'), { kind: 'csv', path: file });
    expect(r.reports).toHaveLength(1);
    expect(r.issues).toEqual([expect.objectContaining({ study_id: 'x1', reason: 'invalid_utf8', skipped: false })]);
  });

  it('refuses unusable mappings before any work, naming the columns', async () => {
    tmp = makeTempDir();
    const file = writeFile(path.join(tmp.dir, 'r.csv'), 'a,b\n1,2\n');
    await expect(ingest(path.join(tmp.dir, 'run1'), { kind: 'csv', path: file })).rejects.toThrow(
      /study_id: no column guessed/,
    );
    await expect(
      ingest(path.join(tmp.dir, 'run2'), { kind: 'csv', path: file, columns: { study_id: 'a', text: 'nope' } }),
    ).rejects.toThrow(/no column "nope"/);
    await expect(
      ingest(path.join(tmp.dir, 'run3'), { kind: 'csv', path: file, columns: { study_id: 'a', txt: 'b' } }),
    ).rejects.toBeInstanceOf(UserError);
    await expect(ingest(path.join(tmp.dir, 'run4'), { kind: 'csv', path: tmp.dir })).rejects.toThrow(/must be a file/);
  });

  it('detects the Open-i header and plans generic ones', () => {
    expect(isIndianaHeader(['uid', 'MeSH', 'findings', 'impression'])).toBe(true);
    expect(isIndianaHeader(['study_id', 'text'])).toBe(false);
    const plan = planColumns(['study_id', 'findings', 'impression', 'view', 'site'], {}, 'f.csv');
    expect(plan.fields).toMatchObject({ study_id: ['study_id'], text: ['findings', 'impression'], view: ['view'] });
    expect(plan.extra).toEqual(['site']);
  });
});
