import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildJpgMetadata, minRank, writeMetadataCsv } from '../../src/pipeline/ingest/jpgMetadata.js';
import { readMetadataCsv } from '../../src/pipeline/ingest/metadata.js';
import { makeTempDir } from '../helpers/tmp.js';
import { ingest, REPORT, writeJpgFolder, writeReport } from './fixtures.js';

let tmp: ReturnType<typeof makeTempDir>;
afterEach(() => tmp?.cleanup());

describe('metadata from the MIMIC-CXR-JPG CSVs', () => {
  it('picks the first frontal image, else the first; ranks dates per subject with ties at the lowest rank', async () => {
    tmp = makeTempDir();
    writeJpgFolder(tmp.dir);
    const notes: string[] = [];
    const rows = [];
    for await (const r of buildJpgMetadata(tmp.dir, { onNote: (m) => notes.push(m) })) rows.push(r);
    expect(rows).toEqual([
      {
        study_id: '50000001',
        subject_id: '10000001',
        dicom_id: 'd2',
        view: 'postero-anterior',
        study_order: 1,
        study_date: '21800101',
        split: 'test',
        extra: { Atelectasis: '1.0', Cardiomegaly: '' },
      },
      {
        study_id: '50000002',
        subject_id: '10000001',
        dicom_id: 'd4',
        view: 'lateral',
        study_order: 3,
        study_date: '21800505',
        split: 'validate',
        extra: { Atelectasis: '', Cardiomegaly: '-1.0' },
      },
      {
        study_id: '50000003',
        subject_id: '10000001',
        dicom_id: 'd6',
        view: 'antero-posterior',
        study_order: 1,
        study_date: '21800101',
        split: 'train',
        extra: { Atelectasis: '0.0', Cardiomegaly: '1.0' },
      },
      {
        study_id: '50000004',
        subject_id: '10000002',
        dicom_id: null,
        view: null,
        study_order: null,
        study_date: null,
        split: null,
        extra: { Atelectasis: '', Cardiomegaly: '' },
      },
    ]);
    expect(notes).toEqual([expect.stringMatching(/^1 studies .* no image/)]);
  });

  it('writes mimic_all.csv that the metadata reader reads back', async () => {
    tmp = makeTempDir();
    writeJpgFolder(tmp.dir);
    const out = path.join(tmp.dir, 'out', 'mimic_all.csv');
    expect(await writeMetadataCsv(buildJpgMetadata(tmp.dir), out)).toBe(4);
    expect(fs.readFileSync(out, 'utf8').split('\n')[0]).toBe(
      'subject_id,study_id,dicom_id,view,study_order,split,study_date,Atelectasis,Cardiomegaly',
    );
    const back = [];
    for await (const r of readMetadataCsv(out)) back.push(r.ok ? r.meta : null);
    expect(back[1]).toMatchObject({
      study_id: '50000002',
      view: 'lateral',
      study_order: 3,
      extra: { Cardiomegaly: '-1.0' },
    });
  });

  it('ranks with method "min"', () => {
    expect(['3', '1', '1', '2'].map((d) => minRank(d, ['3', '1', '1', '2']))).toEqual([4, 1, 1, 3]);
  });

  it('ingests a tree with kind mimic-jpg, and names missing CSVs up front', async () => {
    tmp = makeTempDir();
    const jpg = path.join(tmp.dir, 'jpg');
    writeJpgFolder(jpg);
    const corpus = path.join(tmp.dir, 'corpus');
    writeReport(corpus, '10000001', '50000001', REPORT(1));
    writeReport(corpus, '10000001', '50000002', REPORT(2));
    const r = await ingest(path.join(tmp.dir, 'run'), { kind: 'mimic-jpg', path: corpus, metadata: jpg });
    expect(r.reports.map((x) => [x.study_id, x.view, x.study_order])).toEqual([
      ['50000001', 'postero-anterior', 1],
      ['50000002', 'lateral', 3],
    ]);
    expect(r.issues.map((i) => `${i.reason}:${i.study_id}`)).toEqual(['no_report:50000003', 'no_report:50000004']);
    fs.rmSync(path.join(jpg, 'mimic-cxr-2.0.0-split.csv'));
    await expect(
      ingest(path.join(tmp.dir, 'run2'), { kind: 'mimic-jpg', path: corpus, metadata: jpg }),
    ).rejects.toThrow(/lacks mimic-cxr-2.0.0-split.csv/);
  });
});
