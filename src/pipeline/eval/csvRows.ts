import fs from 'node:fs';
import { parse } from 'csv-parse/sync';

/**
 * Rows of an evaluation CSV keyed by header, and how many rows had a different
 * number of fields than the header ("torn": cut off mid-write or a stray
 * delimiter). Torn rows are still read, as far as their fields go, and reported.
 */
export function readCsvRows(file: string): { rows: Array<Record<string, string>>; torn: number } {
  const records = parse(fs.readFileSync(file, 'utf8'), {
    skip_empty_lines: true,
    relax_column_count: true,
    bom: true,
  }) as string[][];
  const [header = [], ...body] = records;
  let torn = 0;
  const rows = body.map((fields) => {
    if (fields.length !== header.length) torn++;
    return Object.fromEntries(header.map((h, i) => [h, fields[i] ?? '']));
  });
  return { rows, torn };
}

/** Ids that occur more than once, each with its count. */
export function duplicateIds(ids: Iterable<string>): Map<string, number> {
  const seen = new Map<string, number>();
  for (const id of ids) seen.set(id, (seen.get(id) ?? 0) + 1);
  return new Map([...seen].filter(([, n]) => n > 1));
}

/** One warning line about duplicate ids, or none. */
export function duplicateWarning(what: string, dups: ReadonlyMap<string, number>): string[] {
  if (dups.size === 0) return [];
  const ex = [...dups]
    .slice(0, 5)
    .map(([id, n]) => `${id} (${n}×)`)
    .join(', ');
  return [`${what}: ${dups.size} ids occur more than once, the last row wins: ${ex}${dups.size > 5 ? ', …' : ''}`];
}
