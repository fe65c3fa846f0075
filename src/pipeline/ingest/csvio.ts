import fs from 'node:fs';
import zlib from 'node:zlib';
import { parse, type Options } from 'csv-parse';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { UserError } from '../util/errors.js';

/**
 * A read stream for a CSV or JSONL file that may be gzipped (`.gz`: MIMIC-CXR-JPG ships `.csv.gz`).
 * A damaged or cut-short gzip ends the stream with a UserError naming the file. Read it through
 * `pipeTo` or an async iterator: a bare `.pipe()` leaves the error unhandled.
 */
export function openMaybeGz(file: string): Readable {
  const raw = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  if (!file.endsWith('.gz')) return raw;
  const out = new PassThrough();
  const fail = (err: Error) =>
    out.destroy(
      new UserError(
        `${file} is not a complete gzip file (${err.message}).`,
        'The file may be cut short: test it with gunzip -t, or download it again.',
      ),
    );
  const gunzip = zlib.createGunzip();
  raw.on('error', (err) => out.destroy(err));
  gunzip.on('error', fail);
  raw.pipe(gunzip).pipe(out);
  return out;
}

/** `source.pipe(dest)`, and `dest` ends with `source`'s error (a bare pipe would leave it unhandled). */
export function pipeTo<T extends Writable>(source: Readable, dest: T): T {
  source.on('error', (err) => dest.destroy(err));
  return source.pipe(dest);
}

export interface CsvRow {
  /** Values by header name. */
  values: Record<string, string>;
  /** 1-based line where the record ends (the parser counts lines as it reads). */
  line: number;
  /** Set when the row is not usable as it stands (wrong column count, unbalanced quotes). */
  malformed?: string;
}

/**
 * Stream a CSV with a header row. Rows with the wrong number of columns and rows
 * the parser rejects come out marked `malformed` (with their line) instead of
 * aborting the file.
 */
export async function* readCsv(file: string, extra: Options = {}): AsyncGenerator<CsvRow, void, unknown> {
  const skipped: CsvRow[] = [];
  const parser = pipeTo(
    openMaybeGz(file),
    parse({
      bom: true,
      relax_column_count: true,
      // A stray quote inside a field ("Clear lungs" x) is kept as text: strict
      // quoting would fail that record and then swallow every valid row after it.
      relax_quotes: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      info: true,
      ...extra,
    }),
  );
  parser.on('skip', (err: Error & { lines?: number }) => {
    skipped.push({ values: {}, line: err.lines ?? 0, malformed: err.message });
  });
  let header: string[] | null = null;
  for await (const rec of parser as AsyncIterable<{ record: string[]; info: { lines: number; columns: number } }>) {
    while (skipped.length) yield skipped.shift()!;
    const cells = rec.record;
    if (!header) {
      header = cells.map((c) => c.trim());
      continue;
    }
    const values: Record<string, string> = {};
    header.forEach((h, i) => (values[h] = cells[i] ?? ''));
    const row: CsvRow = { values, line: rec.info.lines };
    if (cells.length !== header.length) row.malformed = `${cells.length} columns where the header has ${header.length}`;
    yield row;
  }
  while (skipped.length) yield skipped.shift()!;
}

/** Just the header row (for preflight checks and format detection). */
export async function readCsvHeader(file: string): Promise<string[]> {
  const parser = pipeTo(
    openMaybeGz(file),
    parse({ bom: true, to_line: 1, relax_column_count: true, relax_quotes: true }),
  );
  for await (const rec of parser as AsyncIterable<string[]>) {
    parser.destroy();
    return rec.map((c) => c.trim());
  }
  return [];
}

/**
 * The header and up to `rows` non-blank rows after it (values by column), reading no
 * further; the file is closed when it returns (the mapping editor opens this often).
 */
export async function readCsvHead(
  file: string,
  rows = 1,
): Promise<{ header: string[]; rows: Record<string, string>[] }> {
  const source = openMaybeGz(file);
  const parser = pipeTo(
    source,
    parse({ bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: true }),
  );
  let header: string[] | null = null;
  const out: Record<string, string>[] = [];
  try {
    for await (const rec of parser as AsyncIterable<string[]>) {
      if (!header) {
        header = rec.map((c) => c.trim());
        if (rows === 0) break;
        continue;
      }
      if (rec.every((c) => c.trim() === '')) continue;
      out.push(Object.fromEntries(header.map((h, i) => [h, rec[i] ?? ''])));
      if (out.length >= rows) break;
    }
  } finally {
    parser.destroy();
    source.destroy();
  }
  return { header: header ?? [], rows: out };
}

/** True when the CSV has at least one row after its header (a header-only export is empty). */
export async function hasDataRow(file: string): Promise<boolean> {
  return (await readCsvHead(file, 1)).rows.length > 0;
}
