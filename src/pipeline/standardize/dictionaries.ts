import type { Attrs, StrictKeyInfo } from '../schemas/keyinfo.js';

/**
 * Frequency dictionaries (docs/method.md §9): how often each entity name and each
 * location/level/type value occurs over a corpus of KeyInfo records.
 */

/** One dictionary: [term, count] pairs sorted by count descending, then term ascending (stable output). */
export type FrequencyDict = ReadonlyArray<readonly [term: string, count: number]>;

export interface FrequencyDicts {
  entity: FrequencyDict;
  location: FrequencyDict;
  level: FrequencyDict;
  type: FrequencyDict;
}

export const DICT_NAMES = ['entity', 'location', 'level', 'type'] as const;
export type DictName = (typeof DICT_NAMES)[number];

/** Incremental counter so a step can count a stream without holding the records. */
export class FrequencyCounter {
  private readonly counts: Record<DictName, Map<string, number>> = {
    entity: new Map(),
    location: new Map(),
    level: new Map(),
    type: new Map(),
  };

  add(record: StrictKeyInfo): void {
    for (const [name, attrs] of Object.entries(record.entity ?? {})) this.addEntity(name, attrs);
    for (const [name, attrs] of Object.entries(record.uncertain_entity ?? {})) this.addEntity(name, attrs);
    for (const [name, attrs] of Object.entries(record.opacity_vs_clear ?? {})) {
      if (attrs) this.addEntity(name, attrs);
    }
  }

  private addEntity(name: string, attrs: Attrs): void {
    bump(this.counts.entity, name);
    if (attrs.location) bump(this.counts.location, attrs.location);
    if (attrs.level) bump(this.counts.level, attrs.level);
    if (attrs.type) bump(this.counts.type, attrs.type);
  }

  result(): FrequencyDicts {
    return {
      entity: sortDict(this.counts.entity),
      location: sortDict(this.counts.location),
      level: sortDict(this.counts.level),
      type: sortDict(this.counts.type),
    };
  }
}

/** Counts entity names (entity, uncertain_entity, opacity_vs_clear) and attribute values. */
export function buildFrequencyDicts(records: Iterable<StrictKeyInfo>): FrequencyDicts {
  const counter = new FrequencyCounter();
  for (const r of records) counter.add(r);
  return counter.result();
}

/** Terms seen at least `threshold` times ("high" dictionaries in §9). */
export function highFrequency(dict: FrequencyDict, threshold: number): Set<string> {
  const out = new Set<string>();
  for (const [term, count] of dict) {
    // Sorted descending, so the first miss ends the scan.
    if (count < threshold) break;
    out.add(term);
  }
  return out;
}

/** Count of one term, as a Map for O(1) look-ups. */
export function countMap(dict: FrequencyDict): Map<string, number> {
  return new Map(dict.map(([t, c]) => [t, c]));
}

/**
 * The "high" threshold for a corpus: the original's 1000 assumes MIMIC's 227k
 * records (≈0.44%); for smaller corpora we scale to 0.5% of the records, never
 * below 3 (so one-off model noise never counts as "frequent") and never above 1000.
 */
export function scaledHighThreshold(records: number, base = 1000): number {
  return Math.min(base, Math.max(3, Math.ceil(0.005 * records)));
}

function bump(m: Map<string, number>, key: string): void {
  m.set(key, (m.get(key) ?? 0) + 1);
}

function sortDict(m: Map<string, number>): FrequencyDict {
  return [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
