import { KEYINFO_KEYS } from '../schemas/keyinfo.js';
import { canonicalJson } from '../util/hash.js';
import { namesIn } from './plan.js';

/** The four KeyInfo keys of a record (what the model sees as its earlier answer). */
export function fourKeys(record: unknown): Record<string, unknown> {
  const o = record && typeof record === 'object' && !Array.isArray(record) ? (record as Record<string, unknown>) : {};
  const out: Record<string, unknown> = {};
  for (const k of KEYINFO_KEYS) out[k] = o[k] ?? emptyFor(k);
  return out;
}

function emptyFor(k: (typeof KEYINFO_KEYS)[number]): unknown {
  return k === 'no_entity' || k === 'uncertain_entity' ? [] : {};
}

/**
 * A parsed reply replaces the record's four keys; a key the reply leaves out
 * becomes empty (§8: the model returns the whole updated record).
 */
export function applyReply(reply: Record<string, unknown>): Record<string, unknown> {
  return fourKeys(reply);
}

export function sameRecord(a: unknown, b: unknown): boolean {
  return canonicalJson(fourKeys(a)) === canonicalJson(fourKeys(b));
}

/** Names that `after` has in a category and `before` lacks (for the per-cycle "added" counts). */
export function addedNames(before: unknown, after: unknown, key: 'entity' | 'no_entity'): string[] {
  const b = new Set(namesIn(fourKeys(before)[key]).map((n) => n.trim().toLowerCase()));
  return namesIn(fourKeys(after)[key]).filter((n) => !b.has(n.trim().toLowerCase()));
}
