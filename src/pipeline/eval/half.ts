import { createHash } from 'node:crypto';
import { normalizeId } from './types.js';

/**
 * Fixed halves of a labelled set, so rules can be written looking at one half and
 * measured honestly on the other (docs/rules.md "Honest evaluation"). A study is in
 * half A when the first byte of SHA-256 of its normalized id (UTF-8) is even, else B.
 * The rule depends on the id alone: the same study is in the same half in every file.
 */
export type Half = 'A' | 'B';

export function halfOf(id: unknown): Half {
  return createHash('sha256').update(normalizeId(id), 'utf8').digest()[0]! % 2 === 0 ? 'A' : 'B';
}

/** A copy of a map keyed by study id with only the studies of one half. */
export function keepHalf<V>(docs: ReadonlyMap<string, V>, half: Half): Map<string, V> {
  return new Map([...docs].filter(([id]) => halfOf(id) === half));
}
