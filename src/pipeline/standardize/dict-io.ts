import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { UserError } from '../util/errors.js';
import { cleanTerm } from './attrs.js';
import type { RejectedTerms } from './context.js';
import { commentVerdict } from './review-comment.js';
import { DICT_NAMES, type DictName, type FrequencyDict, type FrequencyDicts } from './dictionaries.js';

/** Files of one dictionary: `<name>_dict.json` ({term: count}, sorted) and `<name>_dict.csv` (Term,Count). */
export function writeDictionaries(dir: string, dicts: FrequencyDicts): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (const name of DICT_NAMES) {
    const d = dicts[name];
    const json = path.join(dir, `${name}_dict.json`);
    fs.writeFileSync(json, JSON.stringify(Object.fromEntries(d), null, 0) + '\n');
    const csv = path.join(dir, `${name}_dict.csv`);
    fs.writeFileSync(
      csv,
      stringify(
        d.map(([t, c]) => [t, c]),
        { header: true, columns: ['Term', 'Count'] },
      ),
    );
    files.push(json, csv);
  }
  return files;
}

export function readDictionaries(dir: string): FrequencyDicts {
  const out = {} as Record<DictName, FrequencyDict>;
  for (const name of DICT_NAMES) {
    const file = path.join(dir, `${name}_dict.json`);
    let obj: unknown;
    try {
      obj = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      throw new UserError(`Cannot read dictionary ${file}: ${(err as Error).message}`);
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj))
      throw new UserError(`${file} is not a {term: count} object.`);
    out[name] = Object.entries(obj as Record<string, unknown>)
      .filter((e): e is [string, number] => typeof e[1] === 'number')
      .sort((a, b) => b[1] - a[1]);
  }
  return out;
}

/** Blank review sheets (`Term,Comment`) for clinicians: an empty comment or "OK" keeps a term (review-comment.ts). */
export function exportReviewCsvs(dir: string, dicts: FrequencyDicts): string[] {
  fs.mkdirSync(dir, { recursive: true });
  return DICT_NAMES.map((name) => {
    const file = path.join(dir, `${name}_review.csv`);
    fs.writeFileSync(
      file,
      stringify(
        dicts[name].map(([t]) => [t, '']),
        { header: true, columns: ['Term', 'Comment'] },
      ),
    );
    return file;
  });
}

/** The file names looked for in a reviewed-terms folder, per dictionary (the original's name first). */
export function reviewedFileCandidates(name: DictName): string[] {
  return [`${name}_dict_checked.csv`, `${name}_review.csv`];
}

/** A comment the rule could not read as a verdict (the term is rejected; the warning lists it). */
export interface UnclearComment {
  file: string;
  term: string;
  comment: string;
}

/** Terms a reviewed sheet rejects (review-comment.ts), and the comments read as rejections by default. */
export function parseReviewCsv(text: string, source: string): Set<string> {
  return readReviewCsv(text, source).rejected;
}

export function readReviewCsv(text: string, source: string): { rejected: Set<string>; unclear: UnclearComment[] } {
  let rows: Record<string, string>[];
  try {
    rows = parse(text, {
      columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()),
      skip_empty_lines: true,
      relax_column_count: true,
      bom: true,
      trim: true,
    });
  } catch (err) {
    throw new UserError(`${source} is not a readable CSV: ${(err as Error).message}`);
  }
  const first = rows[0];
  if (first !== undefined && !('term' in first)) {
    throw new UserError(
      `${source} has no "Term" column (columns: ${Object.keys(first).join(', ')}).`,
      'A reviewed term list has the header `Term,Comment`.',
    );
  }
  const rejected = new Set<string>();
  const unclear: UnclearComment[] = [];
  for (const row of rows) {
    const term = cleanTerm(row.term ?? '');
    if (term === '') continue;
    const comment = row.comment ?? '';
    const verdict = commentVerdict(comment);
    if (verdict === 'keep') continue;
    rejected.add(term);
    if (verdict === 'unclear') unclear.push({ file: source, term, comment: comment.trim() });
  }
  return { rejected, unclear };
}

/** Read the reviewed lists present in `dir`; a dictionary without a file rejects nothing. */
export function readReviewedTerms(dir: string): {
  rejected: RejectedTerms;
  files: string[];
  unclear: UnclearComment[];
} {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new UserError(
      `Reviewed terms folder ${dir} does not exist.`,
      'Set standardize.reviewedTermsDir to a folder with <name>_dict_checked.csv files.',
    );
  }
  const files: string[] = [];
  const unclear: UnclearComment[] = [];
  const sets = {} as Record<DictName, Set<string>>;
  for (const name of DICT_NAMES) {
    sets[name] = new Set();
    for (const candidate of reviewedFileCandidates(name)) {
      const file = path.join(dir, candidate);
      if (!fs.existsSync(file)) continue;
      const read = readReviewCsv(fs.readFileSync(file, 'utf8'), file);
      sets[name] = read.rejected;
      unclear.push(...read.unclear);
      files.push(file);
      break;
    }
  }
  return { rejected: sets, files, unclear };
}

/** The warning for comments read as rejections by default: each one named, so the sheet can be fixed. */
export function unclearCommentsWarning(unclear: readonly UnclearComment[], shown = 20): string | null {
  if (unclear.length === 0) return null;
  const list = unclear
    .slice(0, shown)
    .map((u) => `${path.basename(u.file)}: ${JSON.stringify(u.term)} (${JSON.stringify(u.comment)})`)
    .join('; ');
  const more = unclear.length > shown ? `; and ${unclear.length - shown} more` : '';
  return `reviewed term lists: ${unclear.length} comment(s) are neither blank, an approval ("OK", "OK - note") nor a rejection ("not OK", "no", "remove"); their terms are rejected: ${list}${more}. Write "OK" to keep a term (docs/standardize.md).`;
}
