import type { Rng } from '../util/random.js';
import {
  allAbnormalities,
  bilateralDraft,
  placeDraft,
  positiveDraft,
  anyAbnormality,
  MAX_DRAWS,
  negativeBranch,
  presenceKind,
  presenceText,
  yesNo,
  type Draft,
  type StudyInput,
} from './generators.js';
import { isCatchAll } from './library.js';
import type { PreparedEntity } from './prepare.js';
import { drawOtherPlace } from './postLocations.js';
import { bothSides, hasLeft, hasRight, hasWord, locationParts } from './phrases.js';
import type { Library } from './types.js';

/**
 * Release-style generators (docs/differences.md, Questions): the published dataset's choices of
 * what to ask and how to word it, with its wrong-answer bugs kept fixed (the side question and the
 * located "yes" question name the entity the answer is about; a flip never names a place the
 * finding is at). Types not here (view, level, type) behave the same in both styles.
 */

const located = (es: readonly PreparedEntity[]) => es.filter((e) => e.location !== null);
/** Located before the finding, or (rule-based records only) by a phrase after it. */
const placed = (es: readonly PreparedEntity[]) => es.filter((e) => e.location !== null || Boolean(e.post));

/** "What abnormalities are seen in the <location>?" for a finding with a location, else null. */
const byLocation = (e: PreparedEntity): Draft | null =>
  e.location === null
    ? null
    : {
        question: `what abnormalities are seen in the ${e.location}?`,
        answer: e.name,
        template: 'abnormality.location',
        entities: e.raw,
      };

/**
 * The release's abnormality question: every finding, one finding by place (`byPlace` drafts it,
 * null passes the finding over), or any finding; a study without findings gives up half the time.
 */
export function releaseAbnormality(
  s: StudyInput,
  rng: Rng,
  byPlace: (e: PreparedEntity) => Draft | null = byLocation,
): Draft | null {
  for (let i = 0; i < MAX_DRAWS; i++) {
    const t = rng.int(3);
    if (t < 2 && s.entities.length === 0) {
      // Both open templates give up half the time on a study with no findings (the release's ~1/2 rate).
      if (rng.chance(0.5)) return null;
      continue;
    }
    if (t === 0) return allAbnormalities(s);
    if (t === 1) {
      for (const e of rng.shuffle(s.entities)) {
        const d = byPlace(e);
        if (d) return d;
      }
      continue;
    }
    return anyAbnormality(s);
  }
  return null;
}

/**
 * A row of the original library; a catch-all row ("other finding") gives no question at all,
 * except in the Diff-VQA layout's generation (rule-based records), which asks every row.
 */
function libraryRow(s: StudyInput, t: number, rng: Rng, lib: Library): Draft | null {
  const rows = lib.originalRows?.length ? lib.originalRows : lib.askable;
  if (rows.length === 0) return null;
  const d = rng.pick(rows);
  if (isCatchAll(d) && !s.fromRules) return null;
  const hits = s.entities.filter((e) => e.official === d);
  return {
    question: presenceText(t, d),
    answer: yesNo(hits.length > 0),
    template: `presence.${presenceKind(t)}.library`,
    entities: hits.flatMap((e) => e.raw),
  };
}

/** The place as the release words it: a bare side is the lung, everything gains " area". */
export const releasePlace = (loc: string) => `${loc === 'left' || loc === 'right' ? `${loc} lung` : loc} area`;

/**
 * The release's flip: one change, the first that applies of side, "mid to lower" ↔ "upper to
 * mid" (the whole place), upper ↔ lower, middle/mid → upper or lower. Null when nothing applies,
 * when the place names both sides, or when the flipped place is one the finding is at.
 */
export function releaseFlip(loc: string, rng: Rng): string | null {
  if (bothSides(loc)) return null;
  let out: string;
  if (hasLeft(loc)) out = loc.replace(/\bleft\b/g, 'right');
  else if (hasRight(loc)) out = loc.replace(/\bright\b/g, 'left');
  else if (/\bmid to lower\b/.test(loc)) out = 'upper to mid';
  else if (/\bupper to mid\b/.test(loc)) out = 'mid to lower';
  else if (hasWord(loc, 'upper')) out = loc.replace(/\bupper\b/g, 'lower');
  else if (hasWord(loc, 'lower')) out = loc.replace(/\blower\b/g, 'upper');
  else if (/\b(middle|mid)\b/.test(loc)) out = loc.replace(/\b(middle|mid)\b/g, () => rng.pick(['upper', 'lower']));
  else return null;
  if (out === loc || locationParts(loc).includes(out)) return null;
  return out;
}

/**
 * "Is there X in <place>?": yes with the finding's own place (the words before it, else its
 * post-location phrase); no with a post-location phrase drawn for a finding that has one (the
 * Diff-VQA layout), else with the flipped place. Records without post-locations draw as before.
 */
function locatedPresence(s: StudyInput, rng: Rng, lib: Library): Draft | null {
  const order = rng.shuffle(placed(s.entities));
  if (rng.chance(0.5)) {
    const e = order[0];
    if (!e) return null;
    if (e.location === null) return placeDraft(e, `in ${e.post}`, true, 'presence.post_location.yes');
    if (e.location === 'bilateral') return bilateralDraft(e);
    return placeDraft(e, `in the ${releasePlace(e.location)}`, true, 'presence.location.yes');
  }
  for (const e of order) {
    if (!e.post || !lib.postPhrases) continue;
    const other = drawOtherPlace(e.post, lib.postPhrases, rng);
    if (other !== null) return placeDraft(e, `in ${other}`, false, 'presence.post_location.other');
  }
  for (const e of order) {
    if (e.location === null) continue;
    const flipped = releaseFlip(e.location, rng);
    if (flipped !== null) return placeDraft(e, `in the ${flipped} area`, false, 'presence.location.flipped');
  }
  return null;
}

export function releasePresence(s: StudyInput, rng: Rng, lib: Library): Draft | null {
  if (s.entities.length === 0 && s.negatives.length === 0) return null;
  for (let i = 0; i < MAX_DRAWS; i++) {
    const t = rng.int(3);
    if (t === 2) {
      const d = locatedPresence(s, rng, lib);
      if (d) return d;
      continue;
    }
    if (rng.chance(0.5)) {
      // The "no" branch always ends the draw, with or without a question.
      const useNegative = rng.chance(0.5) ? s.negatives.length > 0 : s.entities.length === 0;
      return useNegative ? negativeBranch(s, t, rng) : libraryRow(s, t, rng, lib);
    }
    if (s.entities.length === 0) continue;
    const e = rng.pick(s.entities);
    return positiveDraft(t, e);
  }
  return null;
}

/**
 * Where-questions for any located entity (both-sided ones included), answered with the place as
 * written; the side question only for a place that is exactly "left" or "right".
 */
export function releaseLocation(s: StudyInput, rng: Rng): Draft | null {
  const t = rng.int(3);
  if (t === 2) {
    const sided = s.entities.filter((e) => e.location === 'left' || e.location === 'right');
    if (sided.length === 0) return null;
    const e = rng.pick(sided);
    return {
      question: `is the ${e.name} located on the left side or right side?`,
      answer: `${e.location} side`,
      template: 'location.side',
      entities: e.raw,
    };
  }
  const candidates = located(s.entities);
  if (candidates.length === 0) return null;
  const e = rng.pick(candidates);
  const question = t === 0 ? `where in the image is the ${e.name} located?` : `where is the ${e.name}?`;
  return {
    question,
    answer: `${e.location} area`,
    template: t === 0 ? 'location.where_image' : 'location.where',
    entities: e.raw,
  };
}
