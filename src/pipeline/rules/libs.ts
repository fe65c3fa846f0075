import fs from 'node:fs';
import path from 'node:path';
import { readDiseaseLibrary, type Disease } from '../names/diseases.js';
import { officialNameMap, type OfficialNameMap } from '../names/normalize.js';
import { readLibraryCsv as readCsv, type CsvRow as Row } from '../util/csv.js';
import { dataPath } from '../util/paths.js';
import { DEFAULT_STYLE, type Style } from '../schemas/style.js';
import { escapeRe } from '../util/regex.js';
import {
  compileDiseaseMatcher,
  compileCueMatcher,
  phrasePattern,
  type DiseaseMatcher,
  type CueMatcher,
  type CueKind,
} from './matchers.js';

export type { Disease };

/** The term libraries of the rule-based extractor (data/libs/*.csv), compiled once. */
export interface Libs {
  diseases: Disease[];
  levels: ReadonlySet<string>;
  locations: ReadonlySet<string>;
  types: ReadonlySet<string>;
  /** Multi-word level/location/type phrases, longest first (for pre attributes, §7 step 5). */
  multiWord: RegExp;
  /** Post-location phrases expanded with position-change rewrites, longest first. */
  postLocations: string[];
  postLocationRe: RegExp;
  /** Word-level rewrites (`left-sided` → `left`, `lobe` → `lung`). */
  positionChange: ReadonlyMap<string, string>;
  /** Finds disease mentions and non-finding phrases (official name '', see `NON_FINDINGS`). */
  disease: DiseaseMatcher;
  cues: CueMatcher;
  officialNames: OfficialNameMap;
}

function termSet(rows: Row[]): Set<string> {
  return new Set(rows.map((r) => (r.term ?? '').toLowerCase()).filter(Boolean));
}

/**
 * Variants cxrvqa added that change which finding a phrase is, left out in `release` style:
 * "bullous" alone names a cyst/bulla, so "bullous emphysema" also gives a cyst finding; the
 * published extractor read it as emphysema only (docs/differences.md Part 1).
 */
export const RELEASE_DROPPED_VARIANTS: ReadonlySet<string> = new Set(['bullous']);

function releaseDiseases(diseases: Disease[]): Disease[] {
  return diseases.map((d) =>
    d.variants.some((v) => RELEASE_DROPPED_VARIANTS.has(v))
      ? { ...d, variants: d.variants.filter((v) => !RELEASE_DROPPED_VARIANTS.has(v)) }
      : d,
  );
}

export function loadLibs(dir = dataPath('libs'), style: Style = DEFAULT_STYLE): Libs {
  const read = readDiseaseLibrary(dir);
  const diseases = style === 'release' ? releaseDiseases(read) : read;
  const levels = termSet(readCsv(dir, 'level.csv', ['term']));
  const locations = termSet(readCsv(dir, 'location.csv', ['term']));
  const types = termSet(readCsv(dir, 'type.csv', ['term']));

  // The original's rewrites carry trailing spaces ("mid " → "middle "): word-level here.
  const positionChange = new Map<string, string>();
  for (const r of readCsv(dir, 'position_change.csv', ['from', 'to'])) {
    const from = (r.from ?? '').trim().toLowerCase();
    if (from) positionChange.set(from, (r.to ?? '').trim().toLowerCase());
  }

  const posts = new Set<string>();
  for (const r of readCsv(dir, 'postlocation.csv', ['post_location'])) {
    const phrase = (r.post_location ?? '').trim().toLowerCase();
    if (!phrase) continue;
    posts.add(phrase);
    // §7: each post-location phrase also appears with every position-change rewrite applied.
    posts.add(rewritePositions(phrase, positionChange));
    for (const [from, to] of positionChange) {
      const re = new RegExp(`(?<![a-z])${escapeRe(to)}(?![a-z])`, 'g');
      if (re.test(phrase)) posts.add(phrase.replace(re, from));
    }
  }
  const postLocations = [...posts].sort((a, b) => b.length - a.length);

  const multi = [...levels, ...locations, ...types].filter((t) => /[\s-]/.test(t)).sort((a, b) => b.length - a.length);
  const cueRows = readCsv(dir, 'cues.csv', ['cue', 'kind', 'position']);

  return {
    diseases,
    levels,
    locations,
    types,
    multiWord: new RegExp(`(?<![a-z0-9])(?:${multi.map((p) => phrasePattern(p)).join('|') || '(?!)'})(?![a-z0-9])`),
    postLocations,
    postLocationRe: new RegExp(`(?<![a-z0-9])(?:${postLocations.map((p) => phrasePattern(p)).join('|')})(?![a-z0-9])`),
    positionChange,
    disease: compileDiseaseMatcher([...diseases, readNonFindings(dir)]),
    cues: compileCueMatcher(
      cueRows.map((r) => ({
        cue: (r.cue ?? '').toLowerCase(),
        kind: (r.kind ?? '') as CueKind,
        position: (r.position ?? 'pre') as 'pre' | 'post' | 'both' | 'around',
      })),
    ),
    officialNames: officialNameMap(diseases),
  };
}

/**
 * Phrases that contain a finding's words and are not that finding ("catheter fracture"),
 * matched with the diseases so the longer phrase wins, then dropped by the extractor.
 * Optional file, so a library folder from before it existed still loads.
 */
export const NON_FINDINGS = 'non_findings.csv';
function readNonFindings(dir: string): Disease {
  const file = path.join(dir, NON_FINDINGS);
  const variants = fs.existsSync(file)
    ? readCsv(dir, NON_FINDINGS, ['phrase'])
        .map((r) => (r.phrase ?? '').trim().toLowerCase())
        .filter(Boolean)
    : [];
  return { id: '', official: '', variants, location: '', origin: 'non-finding' };
}

/** Apply the position-change rewrites to whole words/phrases of a location string. */
export function rewritePositions(text: string, changes: ReadonlyMap<string, string>): string {
  let out = ` ${text} `;
  for (const [from, to] of changes) {
    out = out.replace(new RegExp(`(?<=[\\s])${escapeRe(from)}(?=[\\s])`, 'g'), to);
  }
  return out.trim();
}

const cached = new Map<Style, Libs>();
/** The bundled libraries for a style, compiled once per process. */
export function libsFor(style: Style): Libs {
  let libs = cached.get(style);
  if (!libs) cached.set(style, (libs = loadLibs(dataPath('libs'), style)));
  return libs;
}

/** The bundled libraries (improved style). */
export function defaultLibs(): Libs {
  return libsFor(DEFAULT_STYLE);
}
