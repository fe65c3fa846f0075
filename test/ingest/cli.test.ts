import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/tmp.js';
import { REPORT, writeFile, writeJpgFolder, writeReport } from './fixtures.js';

let tmp: ReturnType<typeof makeTempDir>;
afterEach(() => tmp?.cleanup());

async function cli(args: string[]) {
  const r = await runCli(args, { cwd: tmp.dir });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const STACK = /^\s+at .+\(.*:\d+:\d+\)$/m;

describe('cxrvqa CLI: ingest inputs', () => {
  it('a non-existent corpus is one clear error, non-zero exit, no stack trace', async () => {
    tmp = makeTempDir();
    const r = await cli(['run', '--corpus', '/nonexistent', '--run', path.join(tmp.dir, 'run')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/error: Corpus path does not exist: \/nonexistent/);
    expect(r.stderr).not.toMatch(STACK);
  });

  it('a CSV whose columns cannot be mapped fails in preflight with the column list, no stack trace', async () => {
    tmp = makeTempDir();
    const file = writeFile(path.join(tmp.dir, 'c.csv'), 'a,b\n1,2\n');
    const r = await cli(['run', '--steps', 'ingest', '--corpus', file, '--run', path.join(tmp.dir, 'run')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/study_id: no column guessed/);
    expect(r.stderr).toMatch(/Columns in c\.csv: "a", "b"/);
    expect(r.stderr).not.toMatch(STACK);
    expect(fs.existsSync(path.join(tmp.dir, 'run', 'artifacts', 'reports.jsonl'))).toBe(false);
  });

  it('ingests a tree, logging bad records and a summary, exit 0', async () => {
    tmp = makeTempDir();
    const corpus = path.join(tmp.dir, 'corpus');
    writeReport(corpus, '10000001', '50000001', REPORT(1));
    writeReport(corpus, '10000001', '50000002', Buffer.from([0, 0, 0]));
    const r = await cli(['run', '--steps', 'ingest', '--corpus', corpus, '--run', path.join(tmp.dir, 'run')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/ingested 1 of 2 records; skipped 1 \(binary 1\)/);
  });

  it('`cxrvqa metadata` builds mimic_all.csv from the MIMIC-CXR-JPG CSVs', async () => {
    tmp = makeTempDir();
    writeJpgFolder(path.join(tmp.dir, 'jpg'));
    const out = path.join(tmp.dir, 'mimic_all.csv');
    const r = await cli(['metadata', '--jpg', path.join(tmp.dir, 'jpg'), '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/wrote 4 studies/);
    expect(fs.readFileSync(out, 'utf8').split('\n')[1]).toBe(
      '10000001,50000001,d2,postero-anterior,1,test,21800101,1.0,',
    );
    const bad = await cli(['metadata', '--jpg', path.join(tmp.dir, 'nope'), '--out', out]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).not.toMatch(STACK);
  });
});
