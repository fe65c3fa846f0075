import type { Attrs, StrictKeyInfo } from '../schemas/keyinfo.js';
import { countMap, type FrequencyDicts } from '../standardize/dictionaries.js';
import type { Style } from '../schemas/style.js';
import type { QuestionLibrary } from './library.js';

/** An entity as questions see it (docs/method.md §10 preprocessing). */
export interface PreparedEntity {
  /** Name used in question text: the official name when filtering, else the KeyInfo name. */
  name: string;
  official: string | null;
  /** KeyInfo names it came from (provenance). */
  raw: string[];
  location: string | null;
  level: string | null;
  type: string | null;
  /** Set only from rule-based records in the Diff-VQA layout (`RulePlaces`), else absent. */
  post?: string | null;
  location2?: string | null;
  second?: boolean;
}

/**
 * A finding's places as rule-based records in the MIMIC-Diff-VQA layout give them, before the
 * KeyInfo folds them into one `location`: the words before the finding, the phrase after it
 * ("the left lung base"), and whether a second instance of it was found on another side.
 */
export interface RulePlaces {
  location: string | null;
  /** The first instance's level and type (the KeyInfo joins the second instance's to them). */
  level: string | null;
  type: string | null;
  post: string | null;
  location2: string | null;
  second: boolean;
}

export interface PreparedNegative {
  name: string;
  raw: string;
}

export interface PreparedKeyInfo {
  entities: PreparedEntity[];
  negatives: PreparedNegative[];
  droppedEntities: number;
  droppedValues: number;
}

/** Release threshold 10 at 227,835 reports, scaled down for small corpora (never below 2). */
export const RELEASE_RECORDS = 227_835;
export function autoLowFreqThreshold(records: number, base = 10): number {
  return Math.min(base, Math.max(2, Math.ceil((base * records) / RELEASE_RECORDS)));
}

/** Counts the filter compares against, built once per run (Maps: no per-record scans). */
export interface FrequencyIndex {
  /** Per official name, the counts of every entity name it covers (improved). */
  official: Map<string, number>;
  /** Per entity name, its own count: the release looks the official name up here. */
  named: Map<string, number>;
  location: Map<string, number>;
  level: Map<string, number>;
  type: Map<string, number>;
}

export function buildFrequencyIndex(dicts: FrequencyDicts, library: QuestionLibrary): FrequencyIndex {
  const official = new Map<string, number>();
  for (const [name, count] of dicts.entity) {
    const o = library.officialName(name);
    if (o !== null) official.set(o, (official.get(o) ?? 0) + count);
  }
  return {
    official,
    named: countMap(dicts.entity),
    location: countMap(dicts.location),
    level: countMap(dicts.level),
    type: countMap(dicts.type),
  };
}

export interface PrepareOptions {
  library: QuestionLibrary;
  /** null: no low-frequency filter. */
  filter: { threshold: number; freq: FrequencyIndex } | null;
  /**
   * `release` (docs/differences.md, Questions): entities keep their KeyInfo names (two names for
   * one disease stay two entities), an entity is kept when its official name's own count reaches
   * the threshold, and negatives keep their KeyInfo names. Default `improved`.
   */
  style?: Style;
  /** Take each entity's places from its `RulePlaces` when given (release style, paired layout). */
  rulePlaces?: boolean;
}

const clean = (v: string | null): string | null => {
  const t = v?.trim().toLowerCase() ?? '';
  return t === '' ? null : t;
};

/** A value, or null when the filter is on and the value is rarer than the threshold. */
function keep(
  value: string | null,
  threshold: number | undefined,
  counts: Map<string, number> | undefined,
  dropped: { values: number },
): string | null {
  const v = clean(value);
  if (v === null || threshold === undefined || !counts) return v;
  if ((counts.get(value!) ?? counts.get(v) ?? 0) >= threshold) return v;
  dropped.values++;
  return null;
}

export function prepareKeyInfo(
  ki: StrictKeyInfo,
  opts: PrepareOptions,
  places?: Readonly<Record<string, RulePlaces>>,
): PreparedKeyInfo {
  const entries: Array<[string, Attrs]> = Object.entries(ki.entity);
  // The release asks about opacity from opacity_vs_clear as if it were an entity.
  const opacity = ki.opacity_vs_clear.opacity;
  if (opacity && !Object.prototype.hasOwnProperty.call(ki.entity, 'opacity')) entries.push(['opacity', opacity]);

  const byName = new Map<string, PreparedEntity>();
  let droppedEntities = 0;
  const dropped = { values: 0 };
  const f = opts.filter;
  const release = opts.style === 'release';
  for (const [rawName, attrs] of entries) {
    const lower = clean(rawName);
    if (lower === null) continue;
    const official = opts.library.officialName(lower);
    let name = lower;
    if (f) {
      const count = official === null ? 0 : ((release ? f.freq.named : f.freq.official).get(official) ?? 0);
      if (count < f.threshold) {
        droppedEntities++;
        continue;
      }
      if (!release) name = official!;
    }
    const p = opts.rulePlaces ? places?.[rawName] : undefined;
    const e: PreparedEntity = {
      name,
      official,
      raw: [rawName],
      location: keep(p ? p.location : attrs.location, f?.threshold, f?.freq.location, dropped),
      level: keep(p ? p.level : attrs.level, f?.threshold, f?.freq.level, dropped),
      type: keep(p ? p.type : attrs.type, f?.threshold, f?.freq.type, dropped),
    };
    if (p) {
      e.post = clean(p.post);
      e.location2 = keep(p.location2, f?.threshold, f?.freq.location, dropped);
      e.second = p.second;
    }
    const prev = byName.get(name);
    if (prev) {
      // Two KeyInfo names for one official name: one entity, first non-null attribute wins.
      prev.raw.push(rawName);
      prev.location ??= e.location;
      prev.level ??= e.level;
      prev.type ??= e.type;
      if (p) {
        prev.post ??= e.post;
        prev.location2 ??= e.location2;
        prev.second = (prev.second ?? false) || p.second;
      }
    } else byName.set(name, e);
  }
  const entities = [...byName.values()];
  const positive = new Set(entities.map((e) => e.name));
  const negatives: PreparedNegative[] = [];
  const seen = new Set<string>();
  for (const raw of ki.no_entity) {
    const lower = clean(raw);
    if (lower === null) continue;
    const name = f && !release ? (opts.library.officialName(lower) ?? lower) : lower;
    if (positive.has(name) || seen.has(name)) continue;
    seen.add(name);
    negatives.push({ name, raw });
  }
  return { entities, negatives, droppedEntities, droppedValues: dropped.values };
}
