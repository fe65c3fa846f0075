import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/pipeline/util/errors.js';
import { makeTempDir } from '../helpers/tmp.js';
import { ingest, REPORT, writeFile, writeReport } from './fixtures.js';

let tmp: ReturnType<typeof makeTempDir>;
afterEach(() => tmp?.cleanup());

const HEADER = 'subject_id,study_id,dicom_id,view,study_order,split,study_date,Atelectasis\n';

describe('MIMIC-CXR tree + metadata', () => {
  it('joins reports with metadata, keeps order/date/extras and both section cuts', async () => {
    tmp = makeTempDir();
    const corpus = path.join(tmp.dir, 'corpus');
    writeReport(corpus, '10000032', '50414267', REPORT(1));
    writeReport(corpus, '10000032', '53189527', 'IMPRESSION: No acute process.\n');
    writeFile(
      path.join(corpus, 'meta.csv'),
      HEADER +
        '10000032,50414267,d1,postero-anterior,2,train,21800506,1.0\n10000032,s53189527,d2,antero-posterior,1,train,21800101,\n',
    );
    const r = await ingest(path.join(tmp.dir, 'run'), {
      kind: 'mimic',
      path: corpus,
      metadata: path.join(corpus, 'meta.csv'),
    });
    expect(r.outcome).toBe('done');
    expect(r.reports.map((x) => x.study_id)).toEqual(['50414267', '53189527']);
    const [a, b] = r.reports;
    expect(a).toMatchObject({
      subject_id: '10000032',
      dicom_id: 'd1',
      view: 'postero-anterior',
      study_order: 2,
      study_date: '21800506',
      split: 'train',
      extra: { Atelectasis: '1.0' },
      source: 'files/p10/p10000032/s50414267.txt',
    });
    expect(a!.text.slice(a!.selected_offset, a!.selected_offset + a!.selected.length)).toBe(a!.selected);
    expect(a!.selected.startsWith('FINDINGS:')).toBe(true);
    expect(b).toMatchObject({ study_order: 1, rule_text: 'IMPRESSION: No acute process.' });
    expect(r.counts).toMatchObject({ input: 2, ingested: 2, skipped: 0, warnings: 0 });
  });

  it('logs every kind of bad input with a reason, keeps going, and the counts reconcile', async () => {
    tmp = makeTempDir();
    const corpus = path.join(tmp.dir, 'corpus');
    const rows: string[] = [];
    const add = (subject: string, study: string, content: string | Buffer | null) => {
      if (content !== null) writeReport(corpus, subject, study, content);
      rows.push(`${subject},${study},d${study},postero-anterior,1,train,21800101,`);
    };
    add('10000001', '50000001', REPORT(1));
    add('10000001', '50000002', null); // metadata row without a report
    add('10000002', '50000003', ''); // empty file
    add('10000002', '50000004', Buffer.from([0x46, 0x49, 0x00, 0x01])); // binary
    add('10000002', '50000005', Buffer.from('FINDINGS: caf\xe9 au lait', 'latin1')); // invalid UTF-8
    add('10000003', '50000006', Buffer.alloc(5 * 1024 * 1024, 0x61)); // 5 MB
    rows.push('10000001,50000001,dup,postero-anterior,1,train,21800101,'); // duplicate metadata row
    rows.push('10000004,"50000009,broken'); // malformed line (unclosed quote)
    writeReport(corpus, '11000000', '50000007', REPORT(7)); // report without metadata
    writeReport(corpus, '12000000', '50000001', REPORT(99)); // the same study id in another subject folder
    writeFile(path.join(corpus, 'metadata.csv'), HEADER + rows.join('\n') + '\n');

    const r = await ingest(path.join(tmp.dir, 'run'), { kind: 'mimic', path: corpus });
    expect(r.outcome).toBe('done');
    const reasons = r.issues.map((i) => `${i.reason}:${i.study_id}:${i.skipped ? 'skip' : 'warn'}`).sort();
    expect(reasons).toEqual(
      [
        'no_report:50000002:skip',
        'empty_text:50000003:skip',
        'binary:50000004:skip',
        'invalid_utf8:50000005:warn',
        'too_large:50000006:skip',
        'duplicate_id:50000001:skip',
        'duplicate_id:50000001:skip',
        'malformed_row:metadata.csv:9:skip',
        'no_metadata:50000007:warn',
      ].sort(),
    );
    expect(r.reports.map((x) => x.study_id).sort()).toEqual(['50000001', '50000005', '50000007']);
    expect(r.reports.find((x) => x.study_id === '50000005')!.text).toBe('FINDINGS: café au lait');
    expect(r.reports.find((x) => x.study_id === '50000007')).toMatchObject({
      subject_id: '11000000',
      study_order: null,
    });
    // The first file for a duplicated id wins (listing is sorted: p10 before p12).
    expect(r.reports.find((x) => x.study_id === '50000001')!.source).toContain('p10000001');
    const c = r.counts;
    expect(c.ingested! + c.skipped!).toBe(c.input);
    expect(c).toMatchObject({ ingested: 3, skipped: 7, warnings: 2 });
    const summary = r.events.find((e) => e.type === 'step-end');
    expect(summary && 'summary' in summary ? summary.summary : '').toMatch(/skipped 7 .*duplicate_id 2/);
    for (const i of r.issues) expect(i.detail.length).toBeGreaterThan(5);
  });

  it('finds metadata.csv next to the tree and accepts the files/ folder itself as the path', async () => {
    tmp = makeTempDir();
    const corpus = path.join(tmp.dir, 'corpus');
    writeReport(corpus, '10000001', '50000001', REPORT(1));
    writeFile(path.join(corpus, 'metadata.csv'), HEADER + '10000001,50000001,d,lateral,1,test,21800101,\n');
    const r = await ingest(path.join(tmp.dir, 'run'), { kind: 'mimic', path: path.join(corpus, 'files') });
    expect(r.reports[0]).toMatchObject({ view: 'lateral', split: 'test', source: 'files/p10/p10000001/s50000001.txt' });
  });

  it('without any metadata table ingests every report with the subject from the folder', async () => {
    tmp = makeTempDir();
    const corpus = path.join(tmp.dir, 'corpus');
    writeReport(corpus, '10000001', '50000001', REPORT(1));
    writeReport(corpus, '19999999', '50000002', REPORT(2));
    const r = await ingest(path.join(tmp.dir, 'run'), { kind: 'mimic', path: corpus });
    expect(r.reports.map((x) => [x.study_id, x.subject_id])).toEqual([
      ['50000001', '10000001'],
      ['50000002', '19999999'],
    ]);
    expect(r.issues).toEqual([]);
    expect(
      r.events.some(
        (e) => e.type === 'step-event' && e.event.type === 'log' && /no metadata table/.test(e.event.message),
      ),
    ).toBe(true);
  });

  it('fails before any work on a missing path, a file instead of a tree, or a folder without a tree', async () => {
    tmp = makeTempDir();
    const file = writeFile(path.join(tmp.dir, 'x.txt'), 'x');
    for (const p of [path.join(tmp.dir, 'nope'), file, tmp.dir]) {
      const runDir = path.join(tmp.dir, `run-${path.basename(p)}`);
      await expect(ingest(runDir, { kind: 'mimic', path: p })).rejects.toBeInstanceOf(UserError);
      expect(fs.existsSync(path.join(runDir, 'artifacts', 'reports.jsonl'))).toBe(false);
    }
    writeReport(path.join(tmp.dir, 'c'), '10000001', '50000001', REPORT(1));
    await expect(
      ingest(path.join(tmp.dir, 'run-meta'), {
        kind: 'mimic',
        path: path.join(tmp.dir, 'c'),
        metadata: path.join(tmp.dir, 'missing.csv'),
      }),
    ).rejects.toThrow(/Metadata CSV does not exist/);
  });
});
