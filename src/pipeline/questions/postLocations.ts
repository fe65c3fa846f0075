import { readLibraryCsv } from '../util/csv.js';
import { dataPath } from '../util/paths.js';
import type { Rng } from '../util/random.js';
import { hasLeft, hasRight } from './phrases.js';
import { escapeRe } from '../util/regex.js';

/**
 * Post-location phrases ("the left lung base": a place written after the finding) as the
 * Diff-VQA question generation uses them: asked as they are, and drawn at random for a "no"
 * question about a finding that has one (docs/questions.md, Post-locations).
 */
export interface PostPhrase {
  phrase: string;
  /** Words the drawn place of a "no" question must not contain (substring test, as published). */
  keywords: string[];
  /** In the published library (with its own rewrites), not added by this project. */
  original: boolean;
}

export interface PostPhraseLibrary {
  /** Every phrase, its rewritten forms included, by phrase. */
  byPhrase: ReadonlyMap<string, PostPhrase>;
  /** What a release "no" question draws from: the published phrases and their rewritten forms. */
  releaseDraws: readonly PostPhrase[];
}

/**
 * The library with each phrase also under each single rewrite (`lobe` → `lung`, ...), the way the
 * published library grows itself; a rewritten phrase keeps its row's keywords. Rewrites apply on
 * word boundaries ("mid" is not rewritten inside "middle").
 */
export function buildPostPhraseLibrary(
  rows: ReadonlyArray<{ phrase: string; keywords: string; original: boolean }>,
  rewrites: ReadonlyArray<{ from: string; to: string; original: boolean }>,
): PostPhraseLibrary {
  const byPhrase = new Map<string, PostPhrase>();
  const add = (p: PostPhrase) => {
    if (p.phrase && !byPhrase.has(p.phrase)) byPhrase.set(p.phrase, p);
  };
  for (const r of rows) {
    const base: PostPhrase = {
      phrase: r.phrase.trim().toLowerCase(),
      // An empty keyword ("right;") would match every place: it is no keyword.
      keywords: r.keywords
        .split(';')
        .map((k) => k.trim().toLowerCase())
        .filter(Boolean),
      original: r.original,
    };
    add(base);
    for (const w of rewrites) {
      const re = new RegExp(`(?<![a-z])${escapeRe(w.from)}(?![a-z])`, 'g');
      const phrase = base.phrase.replace(re, w.to);
      if (phrase !== base.phrase) add({ ...base, phrase, original: base.original && w.original });
    }
  }
  return { byPhrase, releaseDraws: [...byPhrase.values()].filter((p) => p.original) };
}

/** The bundled (or `dir`'s) post-location library: postlocation.csv and position_change.csv. */
export function loadPostPhraseLibrary(dir = dataPath('libs')): PostPhraseLibrary {
  const isOriginal = (o: string | undefined) => (o ?? 'original').trim().toLowerCase() !== 'added';
  const rows = readLibraryCsv(dir, 'postlocation.csv', ['post_location', 'relate_keyword']).map((r) => ({
    phrase: r.post_location ?? '',
    keywords: r.relate_keyword ?? '',
    original: isOriginal(r.origin),
  }));
  const rewrites = readLibraryCsv(dir, 'position_change.csv', ['from', 'to'])
    .map((r) => ({
      from: (r.from ?? '').trim().toLowerCase(),
      to: (r.to ?? '').trim().toLowerCase(),
      original: isOriginal(r.origin),
    }))
    .filter((w) => w.from !== '');
  return buildPostPhraseLibrary(rows, rewrites);
}

/** Structures a place can name; a lung place is the default. Soft tissues cover wall, neck and axilla. */
const STRUCTURES: Array<[RegExp, string[]]> = [
  [/\bsoft tissues?\b/, ['wall', 'neck', 'axilla', 'tissue']],
  [/\bspine\b/, ['spine']],
  [/\bneck\b/, ['neck', 'tissue']],
  [/\bchest wall\b/, ['wall', 'tissue']],
  [/\baxilla\b/, ['axilla', 'tissue']],
  [/\bmediastinum\b/, ['mediastinum', 'aorta']],
  [/\b(aorta|aortic)\b/, ['aorta', 'mediastinum']],
  [/\bquadrant\b/, ['abdomen']],
  [/\bhemidiaphragms?\b/, ['diaphragm']],
];

function structures(place: string): Set<string> {
  const out = new Set<string>();
  for (const [re, names] of STRUCTURES) if (re.test(place)) names.forEach((n) => out.add(n));
  if (out.size === 0) out.add('lung');
  return out;
}

/** Heights a place names (upper/middle/lower; thoracic/lumbar for the spine); empty = unknown. */
function heights(place: string): Set<string> {
  const out = new Set<string>();
  const mark = (re: RegExp, h: string) => re.test(place) && out.add(h);
  mark(/\b(upper|apex|apices|apical)\b/, 'upper');
  mark(/\b(middle|mid|lingula)\b/, 'middle');
  mark(/\b(lower|base|bases|basal|basilar|costophrenic)\b/, 'lower');
  mark(/\bthoracic\b/, 'thoracic');
  mark(/\blumbar\b/, 'lumbar');
  return out;
}

/** One side ("left"/"right"), or null for both sides or none. */
function sideOf(place: string): 'left' | 'right' | null {
  const l = hasLeft(place);
  const r = hasRight(place);
  return l === r ? null : l ? 'left' : 'right';
}

const meets = (a: Set<string>, b: Set<string>) => a.size === 0 || b.size === 0 || [...a].some((x) => b.has(x));

/**
 * Whether a finding at `at` could also be at `other`: the same structure, no opposite sides and no
 * disjoint heights. Unsure is "could", so a "no" answer is only given for a place the finding is not at
 * ("the lung bases" for a finding at "the left lung base" could: the published draw allowed it).
 */
export function couldBeAt(at: string, other: string): boolean {
  if (at === other) return true;
  const sa = sideOf(at);
  const so = sideOf(other);
  if (sa !== null && so !== null && sa !== so) return false;
  if (!meets(structures(at), structures(other))) return false;
  return meets(heights(at), heights(other));
}

/** Per library, the places a "no" question may name for a finding at each phrase (they depend on nothing else). */
const otherPlaces = new WeakMap<PostPhraseLibrary, Map<string, readonly PostPhrase[]>>();

/**
 * A place for the "no" question about a finding at the post-location `at`: drawn uniformly from
 * the release draws among phrases holding none of `at`'s keywords (the published rule) that the
 * finding cannot be at (the fix). Null when none is left.
 */
export function drawOtherPlace(at: string, lib: PostPhraseLibrary, rng: Rng): string | null {
  let byAt = otherPlaces.get(lib);
  if (!byAt) otherPlaces.set(lib, (byAt = new Map()));
  let ok = byAt.get(at);
  if (!ok) {
    const keywords = lib.byPhrase.get(at)?.keywords ?? [];
    ok = lib.releaseDraws.filter((p) => !keywords.some((k) => p.phrase.includes(k)) && !couldBeAt(at, p.phrase));
    byAt.set(at, ok);
  }
  return ok.length ? rng.pick(ok).phrase : null;
}
