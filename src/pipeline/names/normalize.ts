import { isGapPattern, readDiseaseLibrary, type Disease } from './diseases.js';
import { singularWord } from './plurals.js';

/**
 * Entity-name normalization shared by the rules extractor, the evaluation and
 * other areas: lower-case, collapse whitespace, plural → singular word by word
 * (§9 map), then surface variant → official name via the disease library.
 */

export type OfficialNameMap = ReadonlyMap<string, string>;

let defaultMap: OfficialNameMap | null = null;

/** Basic form without library lookup: lower-case, single spaces, singular words. */
export function canonicalText(name: string): string {
  return name
    .toLowerCase()
    .replace(/[\s_]+/g, ' ')
    .trim()
    .split(' ')
    .map(singularWord)
    .join(' ');
}

/** Map surface variant (canonical form) → official name, from the disease library. Gap patterns ("heart ... enlarged") are skipped. */
export function officialNameMap(diseases: ReadonlyArray<Pick<Disease, 'official' | 'variants'>>): OfficialNameMap {
  const map = new Map<string, string>();
  for (const d of diseases) {
    const official = canonicalText(d.official);
    map.set(official, official);
    for (const variant of d.variants) {
      if (!variant || isGapPattern(variant)) continue;
      const key = canonicalText(variant);
      if (!map.has(key)) map.set(key, official);
    }
  }
  // The original library's official names that this project renamed (docs/rules.md).
  for (const [from, to] of [
    ['lung opacity', 'opacity'],
    ['enlargement of the cardiac silhouette', 'cardiomegaly'],
  ] as const) {
    if (!map.has(from) || map.get(from) === from) map.set(from, map.get(to) ?? to);
  }
  return map;
}

function defaultOfficialNames(): OfficialNameMap {
  defaultMap ??= officialNameMap(readDiseaseLibrary());
  return defaultMap;
}

/** Normalized entity name: official name when the library knows the name, else the canonical text. */
export function normalizeEntityName(name: string, names: OfficialNameMap = defaultOfficialNames()): string {
  const canon = canonicalText(name);
  return names.get(canon) ?? canon;
}
