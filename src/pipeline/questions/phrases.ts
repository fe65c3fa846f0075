import type { Rng } from '../util/random.js';

/** Word tests on word boundaries (the original's substring tests found "left" in "cleft", §12). */
const wordRes = new Map<string, RegExp>();
export function hasWord(text: string, word: string): boolean {
  let re = wordRes.get(word);
  if (!re) wordRes.set(word, (re = new RegExp(`(?:^|[^a-z])${word}(?:$|[^a-z])`)));
  return re.test(text);
}

export const hasLeft = (loc: string) => hasWord(loc, 'left');
export const hasRight = (loc: string) => hasWord(loc, 'right');
/** A place naming both sides: no one-word side, and no flip to "the other side". */
export const bothSides = (place: string) => hasLeft(place) && hasRight(place);

const PLACE_NOUNS = new Set([
  'lung',
  'lungs',
  'lobe',
  'lobes',
  'base',
  'bases',
  'zone',
  'zones',
  'area',
  'areas',
  'region',
  'regions',
  'apex',
  'apices',
  'hemithorax',
  'wall',
  'spine',
  'rib',
  'ribs',
  'hilum',
  'hila',
  'field',
  'fields',
  'angle',
  'angles',
  'mediastinum',
  'heart',
  'diaphragm',
  'hemidiaphragm',
  'clavicle',
  'shoulder',
]);

/**
 * A place a question can name: a bare side reads as the lung, a place ending in a
 * noun stays as it is, and an adjective ("bibasilar", "left apical") gains " area".
 */
export function placePhrase(loc: string): string {
  if (loc === 'left' || loc === 'right') return `${loc} lung`;
  const last = loc.split(/\s+/).at(-1) ?? '';
  return PLACE_NOUNS.has(last) ? loc : `${loc} area`;
}

/** "in the left lung", but "in both lungs": a place starting with "both" takes no article. */
export function inPlace(place: string): string {
  return /^both\b/.test(place) ? `in ${place}` : `in the ${place}`;
}

/** Location parts for location answers: "left lower lobe, right base" → two parts. */
export function locationParts(loc: string): string[] {
  return loc
    .split(/\s*,\s*|\s+and\s+/)
    .map((p) => p.trim())
    .filter(Boolean);
}

/**
 * One place to ask about: a location naming both sides (merged instances such as
 * "left, right") reads as bilateral; otherwise its first part.
 */
export function placeOf(loc: string): string {
  const parts = locationParts(loc);
  if (parts.length <= 1) return loc;
  if (parts.includes('bilateral') || (parts.some(hasLeft) && parts.some(hasRight))) return 'bilateral';
  return parts[0]!;
}

/**
 * The same location on the other side (§10): left↔right, "mid to lower"↔"upper to mid",
 * upper↔lower, middle/mid → upper or lower. Null when nothing flips.
 */
export function flipLocation(loc: string, rng: Rng): string | null {
  if (bothSides(loc)) return null;
  const swaps: Record<string, string> = { left: 'right', right: 'left', upper: 'lower', lower: 'upper' };
  let out: string;
  if (/\bmid to lower\b/.test(loc)) out = loc.replace(/\bmid to lower\b/g, 'upper to mid');
  else if (/\bupper to mid\b/.test(loc)) out = loc.replace(/\bupper to mid\b/g, 'mid to lower');
  else {
    out = loc.replace(/\b(left|right|upper|lower)\b/g, (w) => swaps[w] ?? w);
    if (out === loc && /\b(middle|mid)\b/.test(loc)) {
      const to = rng.chance(0.5) ? 'upper' : 'lower';
      out = loc.replace(/\b(middle|mid)\b/g, to);
    }
  }
  return out === loc ? null : out;
}

export function joinNames(names: readonly string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
