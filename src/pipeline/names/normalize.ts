import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { dataPath } from '../util/paths.js';
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

/** Map surface variant (canonical form) → official name, from a disease library CSV. Gap patterns ("heart ... enlarged") are skipped. */
export function officialNameMapFromRows(rows: ReadonlyArray<{ report_name: string; official_name: string }>): OfficialNameMap {
  const map = new Map<string, string>();
  for (const row of rows) {
    const official = canonicalText(row.official_name);
    map.set(official, official);
    for (const v of row.report_name.split(';')) {
      const variant = v.trim();
      if (!variant || variant.includes('...')) continue;
      const key = canonicalText(variant);
      if (!map.has(key)) map.set(key, official);
    }
  }
  // The original library's official names that this project renamed (docs/rules.md).
  for (const [from, to] of [['lung opacity', 'opacity'], ['enlargement of the cardiac silhouette', 'cardiomegaly']] as const) {
    if (!map.has(from) || map.get(from) === from) map.set(from, map.get(to) ?? to);
  }
  return map;
}

export function loadOfficialNameMap(file = dataPath('libs', 'disease.csv')): OfficialNameMap {
  const rows = parse(fs.readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true, trim: true }) as Array<{ report_name: string; official_name: string }>;
  return officialNameMapFromRows(rows);
}

function defaultOfficialNames(): OfficialNameMap {
  defaultMap ??= loadOfficialNameMap();
  return defaultMap;
}

/** Normalized entity name: official name when the library knows the name, else the canonical text. */
export function normalizeEntityName(name: string, names: OfficialNameMap = defaultOfficialNames()): string {
  const canon = canonicalText(name);
  return names.get(canon) ?? canon;
}
