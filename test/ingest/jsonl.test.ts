import path from 'node:path';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/tmp.js';
import { ingest, writeFile } from './fixtures.js';

let tmp: ReturnType<typeof makeTempDir>;
afterEach(() => tmp?.cleanup());

describe('JSONL corpus', () => {
  it('a .jsonl.gz gives the same records as the plain file', async () => {
    tmp = makeTempDir();
    const text = [
      JSON.stringify({ study_id: '50000051', subject_id: 'p7', text: 'FINDINGS: Mild edema.', view: 'PA' }),
      JSON.stringify({ study_id: '52', findings: 'Small effusion.', impression: 'Effusion.' }),
    ].join('\n');
    const plain = await ingest(path.join(tmp.dir, 'a'), {
      kind: 'jsonl',
      path: writeFile(path.join(tmp.dir, 'c.jsonl'), text + '\n'),
    });
    const gz = await ingest(path.join(tmp.dir, 'b'), {
      kind: 'jsonl',
      path: writeFile(path.join(tmp.dir, 'c.jsonl.gz'), zlib.gzipSync(text + '\n')),
    });
    const strip = (rs: typeof plain.reports) => rs.map(({ source: _s, ...r }) => r);
    expect(gz.reports.length).toBe(2);
    expect(strip(gz.reports)).toEqual(strip(plain.reports));
  });

  it('reads text or findings/impression objects, metadata and extras; logs bad lines', async () => {
    tmp = makeTempDir();
    const lines = [
      JSON.stringify({
        study_id: 's50000051',
        subject_id: 'p10000007',
        text: 'FINDINGS: Mild edema.',
        view: 'antero-posterior',
        study_order: 2,
        study_date: '21800101',
        site: 'A',
        score: 3,
      }),
      JSON.stringify({ study_id: 52, findings: 'Small effusion.', impression: 'Effusion.' }),
      '{not json',
      '[1,2]',
      JSON.stringify({ text: 'no id' }),
      '',
      JSON.stringify({ study_id: '53', text: 'bad\u0000bytes' }),
      JSON.stringify({ study_id: '50000051', text: 'FINDINGS: again' }),
      JSON.stringify({ study_id: '54', impression: 'Only impression.' }),
    ];
    const file = writeFile(path.join(tmp.dir, 'c.jsonl'), lines.join('\n') + '\n');
    const r = await ingest(path.join(tmp.dir, 'run'), { kind: 'jsonl', path: file });
    expect(r.reports.map((x) => x.study_id)).toEqual(['50000051', '52', '54']);
    expect(r.reports[0]).toMatchObject({
      subject_id: '10000007',
      view: 'AP',
      study_order: 2,
      extra: { site: 'A', score: '3', view_text: 'antero-posterior' },
      source: 'c.jsonl:1',
    });
    expect(r.reports[1]!.text).toBe('FINDINGS: Small effusion.\n\nIMPRESSION: Effusion.');
    expect(r.reports[2]!.rule_text).toBe('IMPRESSION: Only impression.');
    expect(r.issues.map((i) => [i.reason, i.source])).toEqual([
      ['malformed_row', 'c.jsonl:3'],
      ['malformed_row', 'c.jsonl:4'],
      ['malformed_row', 'c.jsonl:5'],
      ['binary', 'c.jsonl:7'],
      ['duplicate_id', 'c.jsonl:8'],
    ]);
    expect(r.counts).toMatchObject({ input: 8, ingested: 3, skipped: 5 });
  });

  it('maps other key names with --column, joining several text keys with their headers', async () => {
    tmp = makeTempDir();
    const lines = [JSON.stringify({ rid: 'r1', patient: 'p9', body: 'Mild edema.', conclusion: 'Edema.', where: 'x' })];
    const file = writeFile(path.join(tmp.dir, 'm.jsonl'), lines.join('\n') + '\n');
    const r = await ingest(path.join(tmp.dir, 'run'), {
      kind: 'jsonl',
      path: file,
      columns: { study_id: 'rid', subject_id: 'patient', text: 'body,conclusion' },
    });
    expect(r.reports).toHaveLength(1);
    expect(r.reports[0]).toMatchObject({
      study_id: 'r1',
      subject_id: 'p9',
      text: 'BODY: Mild edema.\n\nCONCLUSION: Edema.',
      extra: { where: 'x' },
    });
    await expect(
      ingest(path.join(tmp.dir, 'run2'), { kind: 'jsonl', path: file, columns: { txt: 'body' } }),
    ).rejects.toThrow(/Unknown column mapping field "txt"/);
  });
});
