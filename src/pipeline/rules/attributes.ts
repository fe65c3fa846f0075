import type { Libs } from './libs.js';

/** Attribute word lists of one mention (§7 steps 4–5). */
export interface MentionAttrs {
  location: string[];
  type: string[];
  level: string[];
  post_location: string | null;
}

const TRAILING_PREPOSITION = /(?:^|\s)(?:and|in|of|with)\s*$/;
const INNER_PREPOSITION = /(?:^|\s)(?:in|of|with)\s/g;
const POST_TRIGGER =
  /(?<![a-z])(?:in|at|on|within|involving|of|along|over|projecting over) (?:the|both)(?![a-z])|(?<![a-z])seen(?![a-z])/;
// Several lobes in one phrase ("the right lower and middle lobes"): no library phrase lists every pair.
const LOBE = String.raw`(?:upper|middle|mid|lower|lingular)(?: lobe)?`;
const MULTI_LOBE = new RegExp(
  String.raw`(?<![a-z])the (?:(?:right|left) )?${LOBE}(?:(?:,? and|,? or|,) ${LOBE})+ lobes?(?![a-z])`,
);
const WORD = /[a-z0-9]+(?:[-'/][a-z0-9]+)*/g;

/**
 * Pre attributes: the words between the previous mention (or the sentence start)
 * and this one. A text ending in a preposition belongs to something else and is
 * discarded; after an inner `in|of|with ` only what follows counts. Then a
 * multi-word level/location/type phrase plus the remaining words, else the last
 * five words; each word is sorted into location, else type, else level.
 */
export function preAttributes(pre: string, libs: Libs, into: MentionAttrs): void {
  if (TRAILING_PREPOSITION.test(pre)) return;
  let text = pre;
  let cut = -1;
  INNER_PREPOSITION.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = INNER_PREPOSITION.exec(text)) !== null) {
    cut = m.index + m[0].length;
    INNER_PREPOSITION.lastIndex = m.index + m[0].length - 1;
  }
  if (cut >= 0) text = text.slice(cut);
  const phrase = libs.multiWord.exec(text);
  if (phrase) {
    // The phrase and the other words, in text order ("right upper lobe", not "upper lobe right").
    const tokens = [
      ...words(text.slice(0, phrase.index)),
      phrase[0].replace(/\s+/g, ' '),
      ...words(text.slice(phrase.index + phrase[0].length)),
    ];
    classify(tokens, libs, into);
  } else {
    classify(words(text).slice(-5), libs, into);
  }
}

/** Sort words into location (rewritten with the position changes), type or level. */
export function classify(tokens: readonly string[], libs: Libs, into: MentionAttrs): void {
  for (const raw of tokens) {
    const t = raw.replace(/[\s]+/g, ' ');
    if (libs.locations.has(t))
      pushUnique(into.location, t.includes(' ') ? rewrite(t, libs) : (libs.positionChange.get(t) ?? t));
    else if (libs.types.has(t)) pushUnique(into.type, t);
    else if (libs.levels.has(t)) pushUnique(into.level, t);
  }
}

/**
 * Post location: the text after a mention up to the next one; when it reads
 * like a place ("in the", "at the", "seen"), the first post-location phrase
 * found there, with the position-change rewrites applied.
 */
export function postLocation(post: string, libs: Libs): string | null {
  if (!POST_TRIGGER.test(post)) return null;
  const lobes = MULTI_LOBE.exec(post);
  const m = lobes ?? libs.postLocationRe.exec(post);
  if (!m) return null;
  return rewrite(m[0].replace(/\s+/g, ' '), libs);
}

const rewriteCache = new WeakMap<Libs, Map<string, string>>();

function rewrite(phrase: string, libs: Libs): string {
  let cache = rewriteCache.get(libs);
  if (!cache) rewriteCache.set(libs, (cache = new Map()));
  const hit = cache.get(phrase);
  if (hit !== undefined) return hit;
  let out = ` ${phrase} `;
  for (const [from, to] of libs.positionChange) out = out.split(` ${from} `).join(` ${to} `);
  const result = out.trim();
  cache.set(phrase, result);
  return result;
}

function words(text: string): string[] {
  return text.match(WORD) ?? [];
}

function pushUnique(list: string[], v: string): void {
  if (!list.includes(v)) list.push(v);
}
