import fs from 'node:fs';
import path from 'node:path';
import { UserError } from './errors.js';

/**
 * What a corpus file is, from its first bytes: a wrong file given as `--corpus` (a
 * spreadsheet, an archive, an image) is named, and its bytes never reach a message.
 */
const HEAD_BYTES = 8192;

interface Signature {
  name: string;
  hint: string;
  test(head: Buffer): boolean;
}

const starts = (head: Buffer, bytes: number[], at = 0) => bytes.every((b, i) => head[at + i] === b);
const ascii = (head: Buffer, text: string, at = 0) => head.subarray(at, at + text.length).toString('latin1') === text;

const EXPORT_CSV = 'Export it as CSV (UTF-8) or JSONL with one report per row, and pass that file.';
const SIGNATURES: Signature[] = [
  {
    name: 'an Excel workbook (.xlsx)',
    hint: `In Excel: File > Save As > CSV UTF-8. ${EXPORT_CSV}`,
    // An xlsx is a zip whose first entries name the workbook parts.
    test: (h) => starts(h, [0x50, 0x4b, 0x03, 0x04]) && /\[Content_Types\]\.xml|xl\//.test(h.toString('latin1')),
  },
  {
    name: 'a ZIP archive',
    hint: `Unpack it and pass the CSV or JSONL inside. ${EXPORT_CSV}`,
    test: (h) => starts(h, [0x50, 0x4b]) && (h[2] === 3 || h[2] === 5 || h[2] === 7),
  },
  {
    name: 'a gzip file',
    hint: 'A gzipped CSV or JSONL is read when its name ends in .csv.gz or .jsonl.gz; otherwise unpack it (gunzip) first.',
    test: (h) => starts(h, [0x1f, 0x8b]),
  },
  {
    name: 'an old Excel/Office file (.xls)',
    hint: `Save it as CSV UTF-8. ${EXPORT_CSV}`,
    test: (h) => starts(h, [0xd0, 0xcf, 0x11, 0xe0]),
  },
  {
    name: 'a PNG image',
    hint: 'Pass the reports file, not an image.',
    test: (h) => starts(h, [0x89, 0x50, 0x4e, 0x47]),
  },
  { name: 'a JPEG image', hint: 'Pass the reports file, not an image.', test: (h) => starts(h, [0xff, 0xd8, 0xff]) },
  { name: 'a DICOM image', hint: 'Pass the reports file, not an image.', test: (h) => ascii(h, 'DICM', 128) },
  { name: 'a PDF document', hint: EXPORT_CSV, test: (h) => ascii(h, '%PDF') },
  { name: 'a Parquet file', hint: EXPORT_CSV, test: (h) => ascii(h, 'PAR1') },
  { name: 'a bzip2 file', hint: 'Unpack it (bunzip2) first.', test: (h) => ascii(h, 'BZh') },
  { name: 'an xz file', hint: 'Unpack it (unxz) first.', test: (h) => starts(h, [0xfd, 0x37, 0x7a, 0x58, 0x5a]) },
  { name: 'a 7-Zip archive', hint: 'Unpack it first.', test: (h) => starts(h, [0x37, 0x7a, 0xbc, 0xaf]) },
  {
    name: 'UTF-16 text',
    hint: 'Save it as UTF-8 (in Excel: CSV UTF-8; in an editor: encoding UTF-8).',
    test: (h) => starts(h, [0xff, 0xfe]) || starts(h, [0xfe, 0xff]),
  },
];

export type FileSniff =
  { kind: 'empty'; detail: string } | { kind: 'binary'; name: string; hint: string } | { kind: 'text' };

function readHead(file: string): { head: Buffer; size: number } {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const head = Buffer.alloc(Math.min(HEAD_BYTES, size));
    const n = head.length ? fs.readSync(fd, head, 0, head.length, 0) : 0;
    return { head: head.subarray(0, n), size };
  } finally {
    fs.closeSync(fd);
  }
}

/** Classify a corpus file by its first bytes (a gzipped CSV or JSONL named `.csv.gz`/`.jsonl.gz` counts as text). */
export function sniffFile(file: string): FileSniff {
  const { head, size } = readHead(file);
  if (size === 0) return { kind: 'empty', detail: '0 bytes' };
  const gz = /\.(csv|jsonl)\.gz$/i.test(file) && starts(head, [0x1f, 0x8b]);
  if (gz) return { kind: 'text' };
  const hit = SIGNATURES.find((s) => s.test(head));
  if (hit) return { kind: 'binary', name: hit.name, hint: hit.hint };
  // NUL bytes or many control bytes: no text export looks like that.
  let control = 0;
  for (const b of head) if (b === 0 || (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c)) control++;
  if (head.includes(0) || control > head.length / 20)
    return { kind: 'binary', name: 'a binary file', hint: EXPORT_CSV };
  if (
    size <= HEAD_BYTES &&
    head
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .trim() === ''
  )
    return { kind: 'empty', detail: `only whitespace (${size} bytes)` };
  return { kind: 'text' };
}

/** Throw a UserError for an empty or binary corpus file; `what` names it ("Corpus CSV"). */
export function assertTextFile(file: string, what: string): void {
  const s = sniffFile(file);
  // A file name may itself hold control characters; the message never carries them.
  // eslint-disable-next-line no-control-regex
  const name = path.basename(file).replace(/[\u0000-\u001f\u007f-\u009f\ufffd]/g, '?');
  if (s.kind === 'empty')
    throw new UserError(
      `${what} ${name} is empty (${s.detail}).`,
      'Pass a file with a header row and one report per row.',
    );
  if (s.kind === 'binary') throw new UserError(`${what} ${name} is ${s.name}, not a CSV or JSONL text file.`, s.hint);
}
