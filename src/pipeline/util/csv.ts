import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { UserError } from './errors.js';

export type CsvRow = Record<string, string>;

/** One CSV of the term libraries (data/libs), rows keyed by header; missing file or columns are the user's to fix. */
export function readLibraryCsv(dir: string, file: string, required: readonly string[]): CsvRow[] {
  const full = path.join(dir, file);
  if (!fs.existsSync(full))
    throw new UserError(`Rules library ${full} not found.`, `Point --libs at a folder with ${file}.`);
  const rows = parse(fs.readFileSync(full, 'utf8'), {
    columns: true,
    skip_empty_lines: true,
    trim: true,
    relax_column_count: true,
  }) as CsvRow[];
  for (const col of required) {
    if (rows.length && !(col in rows[0]!)) throw new UserError(`Rules library ${full} lacks column "${col}".`);
  }
  return rows;
}
