import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { sniffFile } from '../../src/pipeline/util/sniff.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/tmp.js';
import { zipFolder } from '../helpers/zip.js';
import { writeFile } from './fixtures.js';

let tmp: ReturnType<typeof makeTempDir>;
afterEach(() => tmp?.cleanup());

const STACK = /^\s+at .+\(.*:\d+:\d+\)$/m;
// C0/C1 controls other than newline and tab, and U+FFFD (what undecodable bytes print as).
// eslint-disable-next-line no-control-regex
const RAW_BYTES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffd]/;

/** A minimal zip holding one file (a local header is enough for any sniffer). */
function zipWith(name: string): Buffer {
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(name.length, 26);
  return Buffer.concat([header, Buffer.from(name), Buffer.from([0x00, 0xff, 0xfe, 0x01, 0x9b])]);
}
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x9b]);

const CASES: Array<[string, Buffer | string, RegExp]> = [
  // A .zip may be MIMIC-CXR as shipped, so it is opened as one: a cut-off zip says so.
  ['reports.zip', zipWith('reports.csv'), /reports\.zip is not a readable zip/],
  ['reports.csv.zip', zipWith('reports.csv'), /is not a readable zip/],
  ['reports.xlsx', zipWith('[Content_Types].xml'), /is an Excel workbook \(\.xlsx\)/],
  ['renamed.csv', zipWith('xl/workbook.xml'), /is an Excel workbook/],
  ['reports.gz', zlib.gzipSync('study_id,text\n1,x\n'), /is a gzip file/],
  ['scan.png', PNG, /is a PNG image/],
  ['scan.csv', PNG, /is a PNG image/],
  ['blob.jsonl', Buffer.from([0x00, 0x01, 0x02, 0x9b, 0x1b, 0x5b, 0x32, 0x4a, 0x00]), /is a binary file/],
];

describe('empty and binary corpus files', () => {
  it.each(CASES)(
    '%s is named for what it is, with a hint, and none of its bytes are printed',
    async (name, bytes, says) => {
      tmp = makeTempDir();
      const file = writeFile(path.join(tmp.dir, name), bytes);
      const r = await runCli(['run', '--corpus', file, '--run', path.join(tmp.dir, 'run')]);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(says);
      expect(r.stderr).toMatch(/hint: /);
      expect(r.stderr).not.toMatch(RAW_BYTES);
      expect(r.stderr).not.toMatch(STACK);
    },
  );

  it.each(['reports.zip', 'reports.csv.zip'])('%s holding a table names the file to unpack', async (name) => {
    tmp = makeTempDir();
    const src = path.join(tmp.dir, 'src');
    fs.mkdirSync(src);
    const zip = await zipFolder(src, path.join(tmp.dir, name), { extra: { 'reports.csv': 'study_id,text\n1,x\n' } });
    const r = await runCli(['run', '--corpus', zip, '--run', path.join(tmp.dir, 'run')]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/is a ZIP archive without MIMIC-CXR reports.*it holds 1 entries, e\.g\. reports\.csv/);
    expect(r.stderr).toMatch(/hint: Unpack it .*--corpus reports\.csv/);
    expect(r.stderr).not.toMatch(STACK);
  });

  it.each([
    ['zero.csv', '', /zero\.csv is empty \(0 bytes\)/],
    ['blank.csv', '  \n\r\n\t\n', /blank\.csv is empty \(only whitespace/],
    ['blank.jsonl', '\n\n   \n', /blank\.jsonl is empty \(only whitespace/],
    [
      'header.csv',
      'Report ID,Findings text\n',
      /header\.csv is empty: it has a header \(Report ID, Findings text\) but no rows/,
    ],
    ['header-crlf.csv', '\uFEFFstudy_id,text\r\n\r\n', /is empty: it has a header \(study_id, text\) but no rows/],
  ])('%s says it is empty', async (name, text, says) => {
    tmp = makeTempDir();
    const file = writeFile(path.join(tmp.dir, name), text);
    const r = await runCli(['run', '--corpus', file, '--run', path.join(tmp.dir, 'run')]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(says);
    expect(r.stderr).not.toMatch(STACK);
  });

  it('reads a gzipped CSV or JSONL named .csv.gz / .jsonl.gz as text', () => {
    tmp = makeTempDir();
    const file = writeFile(path.join(tmp.dir, 'r.csv.gz'), zlib.gzipSync('study_id,text\n1,x\n'));
    expect(sniffFile(file)).toEqual({ kind: 'text' });
    const jsonl = writeFile(path.join(tmp.dir, 'r.jsonl.gz'), zlib.gzipSync('{"study_id":"1","text":"x"}\n'));
    expect(sniffFile(jsonl)).toEqual({ kind: 'text' });
  });

  it.each(['csv', 'jsonl'])(
    'a cut-short .%s.gz stops ingest with a message naming the file, no stack',
    async (kind) => {
      tmp = makeTempDir();
      const rows = Array.from({ length: 3000 }, (_, i) =>
        kind === 'csv'
          ? `${50000000 + i},"FINDINGS: Mild edema ${i}."`
          : JSON.stringify({ study_id: String(50000000 + i), text: `FINDINGS: Mild edema ${i}.` }),
      );
      const gz = zlib.gzipSync((kind === 'csv' ? 'study_id,text\n' : '') + rows.join('\n') + '\n');
      const file = writeFile(path.join(tmp.dir, `reports.${kind}.gz`), gz.subarray(0, Math.floor(gz.length / 2)));
      const r = await runCli(['run', '--corpus', file, '--run', path.join(tmp.dir, 'run'), '--steps', 'ingest']);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(`${file} is not a complete gzip file`);
      expect(r.stderr).toContain('gunzip -t');
      expect(r.stderr).not.toMatch(STACK);
    },
  );

  it('takes a UTF-8 CSV with accents and a BOM as text', () => {
    tmp = makeTempDir();
    const file = writeFile(path.join(tmp.dir, 'r.csv'), '\uFEFFstudy_id,text\n1,Épanchement pleural\n');
    expect(sniffFile(file)).toEqual({ kind: 'text' });
    expect(fs.statSync(file).size).toBeGreaterThan(0);
  });
});
