import type { Attrs } from '../schemas/keyinfo.js';

/** One study's findings as the evaluation compares them: normalized names per category. */
export interface EvalDoc {
  positive: Map<string, Attrs>;
  negative: Set<string>;
  uncertain: Set<string>;
}

export type Category = 'positive' | 'negative' | 'uncertain';
export const CATEGORIES: readonly Category[] = ['positive', 'negative', 'uncertain'];

/** A gold or prediction source: studies by id, and which categories it can be scored on. */
export interface EvalSet {
  docs: Map<string, EvalDoc>;
  /** A labels CSV knows positives only; KeyInfo knows all three. */
  scored: ReadonlySet<Category>;
  /** Studies the source itself excludes (e.g. `No Indexing`), never scored. */
  excluded: Set<string>;
  /** Human description for the report. */
  source: string;
  /** Rows left out because their extraction failed (they count as missing, never as "no findings"). */
  failed?: number;
  /** Problems found while reading (duplicate ids, blank labels, torn lines). */
  warnings?: string[];
}

export function emptyDoc(): EvalDoc {
  return { positive: new Map(), negative: new Set(), uncertain: new Set() };
}

/** Ids compare without a MIMIC-style leading "s" (`s50414267` = `50414267`). */
export function normalizeId(id: unknown): string {
  const s = String(id ?? '').trim();
  return /^s\d+$/i.test(s) ? s.slice(1) : s;
}
