import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openCorpus } from '../../src/pipeline/ingest/sources.js';
import { UserError } from '../../src/pipeline/util/errors.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/tmp.js';
import { corruptEntry, zipFolder } from '../helpers/zip.js';
import { ingest, REPORT, writeFile, writeReport } from './fixtures.js';

let tmp: ReturnType<typeof makeTempDir>;
afterEach(() => tmp?.cleanup());

const SAMPLE = path.resolve('data/sample');
const HEADER = 'subject_id,study_id,dicom_id,view,study_order,split,study_date\n';

/** Ingest outcomes that must not depend on where the reports were read from. */
function comparable(r: Awaited<ReturnType<typeof ingest>>) {
  return { outcome: r.outcome, reports: r.reports, issues: r.issues, counts: r.counts };
}

/** A tree with every outcome the join can give: duplicates, leftovers, a missing report, bad bytes. */
function edgeCaseTree(root: string): string {
  writeReport(root, '10000001', '50000001', REPORT(1));
  writeReport(root, '10000001', '50000002', '');
  writeReport(root, '10000002', '50000003', Buffer.from([0x46, 0x49, 0x00, 0x01]));
  writeReport(root, '10000002', '50000004', 'x'.repeat(5000));
  writeReport(root, '10000003', '50000005', REPORT(5)); // no metadata row: read last, with a warning
  writeReport(root, '10000004', '50000001', REPORT(6)); // same study id under another subject
  writeFile(path.join(root, 'files', 'p10', 'p10000001', 'notes.md'), 'not a report');
  return writeFile(
    path.join(root, 'metadata.csv'),
    HEADER +
      [
        '10000001,50000001,d1,PA,1,train,21800101',
        '10000001,50000002,d2,PA,2,train,21800102',
        '10000009,50000099,d9,PA,1,test,21800109',
        '10000002,50000003,d3,AP,1,train,21800103',
        '10000002,50000004,d4,AP,2,train,21800104',
      ].join('\n') +
      '\n',
  );
}

describe('MIMIC-CXR reports zip, read in place', () => {
  it('the bundled sample zipped under a top folder ingests to the same records and issues as its tree', async () => {
    tmp = makeTempDir();
    const fromTree = await ingest(path.join(tmp.dir, 'run-tree'), { kind: 'mimic', path: SAMPLE });
    const zip = await zipFolder(SAMPLE, path.join(tmp.dir, 'mimic-cxr-reports.zip'), {
      prefix: 'mimic-cxr-reports/',
      skip: (rel) => !rel.startsWith('files/'),
    });
    fs.copyFileSync(path.join(SAMPLE, 'metadata.csv'), path.join(tmp.dir, 'metadata.csv'));
    const fromZip = await ingest(path.join(tmp.dir, 'run-zip'), { kind: 'mimic', path: zip });
    expect(fromTree.reports.length).toBeGreaterThan(100);
    expect(comparable(fromZip)).toEqual(comparable(fromTree));
    const logs = fromZip.events.flatMap((e) =>
      e.type === 'step-event' && e.event.type === 'log' ? [e.event.message] : [],
    );
    expect(logs).toContainEqual(expect.stringMatching(/^reading MIMIC-CXR zip .*with metadata .*metadata\.csv$/));
  });

  it('duplicates, leftovers, missing, empty, binary and oversized reports come out as from the tree (files/ at the top)', async () => {
    tmp = makeTempDir();
    const tree = path.join(tmp.dir, 'tree');
    const meta = edgeCaseTree(tree);
    const params = { maxReportBytes: 4096 };
    const fromTree = await ingest(path.join(tmp.dir, 'run-tree'), { kind: 'mimic', path: tree }, { params });
    const zip = await zipFolder(tree, path.join(tmp.dir, 'reports.zip'), { skip: (rel) => rel === 'metadata.csv' });
    const fromZip = await ingest(
      path.join(tmp.dir, 'run-zip'),
      { kind: 'mimic', path: zip, metadata: meta },
      { params },
    );
    expect(new Set(fromTree.issues.map((i) => i.reason))).toEqual(
      new Set(['duplicate_id', 'empty_text', 'binary', 'too_large', 'no_report', 'no_metadata']),
    );
    expect(comparable(fromZip)).toEqual(comparable(fromTree));
  });

  it('a damaged entry is that study skipped as unreadable; the others are ingested', async () => {
    tmp = makeTempDir();
    const tree = path.join(tmp.dir, 'tree');
    writeReport(tree, '10000001', '50000001', REPORT(1));
    writeReport(tree, '10000001', '50000002', REPORT(2));
    const zip = await zipFolder(tree, path.join(tmp.dir, 'reports.zip'));
    corruptEntry(zip, 'files/p10/p10000001/s50000001.txt');
    const r = await ingest(path.join(tmp.dir, 'run'), { kind: 'mimic', path: zip });
    expect(r.reports.map((x) => x.study_id)).toEqual(['50000002']);
    expect(r.issues).toEqual([
      expect.objectContaining({
        study_id: '50000001',
        source: 'files/p10/p10000001/s50000001.txt',
        reason: 'unreadable',
        detail: expect.stringMatching(/^cannot read from reports\.zip: /),
        skipped: true,
      }),
    ]);
  });

  it('a truncated zip is a clear error with a hint, before any work', async () => {
    tmp = makeTempDir();
    const zip = await zipFolder(SAMPLE, path.join(tmp.dir, 'mimic-cxr-reports.zip'));
    const full = fs.readFileSync(zip);
    fs.writeFileSync(zip, full.subarray(0, Math.floor(full.length / 2)));
    const err = await openCorpus({ kind: 'mimic', path: zip, metadata: null, columns: {}, credentialed: true }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toMatch(/mimic-cxr-reports\.zip is not a readable zip: /);
    expect((err as UserError).hint).toMatch(/truncated or corrupt/);
  });

  it('a zip without a report tree says what it holds', async () => {
    tmp = makeTempDir();
    const src = path.join(tmp.dir, 'src');
    writeFile(path.join(src, 'reports', '50000001.txt'), REPORT(1));
    writeFile(path.join(src, 'labels.csv'), 'a,b\n');
    const zip = await zipFolder(src, path.join(tmp.dir, 'other.zip'));
    const err = await openCorpus({ kind: 'mimic', path: zip, metadata: null, columns: {}, credentialed: true }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toMatch(
      /other\.zip is a ZIP archive without MIMIC-CXR reports: expected entries like files\/pXX\/pSUBJECT\/sSTUDY\.txt .*it holds 2 entries, e\.g\. reports\/50000001\.txt, labels\.csv/,
    );
  });

  it('reports under two different folders are refused, naming both', async () => {
    tmp = makeTempDir();
    const src = path.join(tmp.dir, 'src');
    writeReport(path.join(src, 'a'), '10000001', '50000001', REPORT(1));
    writeReport(path.join(src, 'b'), '10000002', '50000002', REPORT(2));
    const zip = await zipFolder(src, path.join(tmp.dir, 'two.zip'));
    await expect(ingest(path.join(tmp.dir, 'run'), { kind: 'mimic', path: zip })).rejects.toThrow(
      /two\.zip has report trees under 2 different folders \(a\/files\/: 1, b\/files\/: 1\)/,
    );
  });

  it('`cxrvqa run --corpus X.zip` takes it as a MIMIC corpus and ingests it', async () => {
    tmp = makeTempDir();
    const zip = await zipFolder(SAMPLE, path.join(tmp.dir, 'mimic-cxr-reports.zip'), {
      skip: (rel) => !rel.startsWith('files/'),
    });
    const run = path.join(tmp.dir, 'run');
    const r = await runCli(['run', '--steps', 'ingest', '--corpus', zip, '--run', run], { cwd: tmp.dir });
    expect(r.stderr).toMatch(/reading MIMIC-CXR zip .*mimic-cxr-reports\.zip \(no metadata table\)/);
    expect(r.status).toBe(0);
    const state = JSON.parse(fs.readFileSync(path.join(run, 'state.json'), 'utf8'));
    expect(state.config.corpus.kind).toBe('mimic');
    expect(state.steps.ingest.counts.ingested).toBeGreaterThan(100);
  });
});
