import readline from 'node:readline';
import { guessColumns, mappingProblems, type ColumnGuess } from './columns.js';
import { openMaybeGz, readCsvHead } from './csvio.js';
import { assertTextFile } from '../util/sniff.js';

/** A corpus file's columns, its first row and the mapping guessed from them: what the mapping editor shows. */
export interface CorpusPreview {
  header: string[];
  /** The first data row by column (null: none), for the person to recognise their columns. */
  row: Record<string, string> | null;
  guess: ColumnGuess;
}

async function firstJsonObject(file: string): Promise<Record<string, unknown> | null> {
  const rl = readline.createInterface({ input: openMaybeGz(file), crlfDelay: Infinity });
  try {
    for await (const line of rl) {
      if (line.trim() === '') continue;
      try {
        const obj: unknown = JSON.parse(line);
        if (obj && typeof obj === 'object' && !Array.isArray(obj)) return obj as Record<string, unknown>;
      } catch {
        /* a bad first line: ingest logs it; the preview looks further */
      }
    }
    return null;
  } finally {
    rl.close();
  }
}

const cell = (v: unknown) => (typeof v === 'string' ? v : v === null || v === undefined ? '' : JSON.stringify(v));

/** Read the header (CSV) or the first object's keys (JSONL), one row, and the guessed mapping. */
export async function previewCorpusFile(file: string, kind: 'csv' | 'jsonl'): Promise<CorpusPreview> {
  assertTextFile(file, kind === 'csv' ? 'Corpus CSV' : 'Corpus JSONL');
  if (kind === 'jsonl') {
    const obj = await firstJsonObject(file);
    const header = obj ? Object.keys(obj) : [];
    const row = obj ? Object.fromEntries(header.map((k) => [k, cell(obj[k])])) : null;
    return { header, row, guess: guessColumns(header) };
  }
  const head = await readCsvHead(file, 1);
  const header = head.header;
  const row = head.rows[0] ?? null;
  return { header, row, guess: guessColumns(header) };
}

/** Every problem of a mapping over the previewed columns (empty: it can be used). */
export function previewProblems(preview: CorpusPreview, mapping: Readonly<Record<string, string>>): string[] {
  return mappingProblems(preview.guess, mapping, preview.header);
}
