import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { normalizeId } from '../../ingest/record.js';
import { UserError } from '../../util/errors.js';
import { seededShuffle } from '../../util/random.js';

/**
 * Gold-set selection: a seeded shuffle over the study ids (sorted first, so the
 * choice depends on the ids and the seed, not on ingest order), minus the
 * excluded ids, first N. Python's `random.shuffle(seed=123)` cannot be
 * reproduced from JS, so the same seed picks different reports than the original.
 */

export function selectGold(
  ids: Iterable<string>,
  n: number,
  seed: number,
  exclude: ReadonlySet<string> = new Set(),
): string[] {
  const sorted = [...new Set(ids)].sort();
  return seededShuffle(sorted, seed)
    .filter((id) => !exclude.has(id))
    .slice(0, n);
}

/**
 * Study ids from a text file (one per line, `#` comments) or a CSV with a
 * `study_id` column (else the first column). Ids may carry the MIMIC `s` prefix.
 */
export function parseExclusionList(text: string, fileName = ''): Set<string> {
  const ids = new Set<string>();
  const looksCsv = /\.csv$/i.test(fileName) || /^[^\n]*,/.test(text);
  if (looksCsv) {
    const rows = parse(text, { skip_empty_lines: true, relax_column_count: true, trim: true }) as string[][];
    if (rows.length === 0) return ids;
    const header = rows[0]!.map((h) => h.toLowerCase());
    const col = header.indexOf('study_id');
    const body = col >= 0 ? rows.slice(1) : rows;
    for (const row of body) {
      const v = row[col >= 0 ? col : 0];
      if (v && !/^study_?id$/i.test(v)) ids.add(normalizeId(v));
    }
    return ids;
  }
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*/, '').trim();
    if (line) ids.add(normalizeId(line));
  }
  return ids;
}

export function readExclusionFile(file: string): Set<string> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(
      `Cannot read the exclusion list ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      'Pass a text file (one study id per line) or a CSV with a study_id column.',
    );
  }
  return parseExclusionList(text, file);
}
