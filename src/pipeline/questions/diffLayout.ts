import type { Rng } from '../util/random.js';
import type { Draft, StudyInput } from './generators.js';
import { releaseAbnormality } from './release.js';
import type { PreparedEntity } from './prepare.js';
import { bothSides, hasLeft, hasRight } from './phrases.js';

/**
 * Release-style generators of the Diff-VQA layout for rule-based records (`StudyInput.fromRules`):
 * the published Diff-VQA question generation reads the rule extractor's places, the words before a
 * finding and the phrase after it ("the left lung base"), where Medical-CXR-VQA reads one KeyInfo
 * location. Its wrong-answer bugs stay fixed: a question names the finding its answer is about.
 */

/** "What abnormalities are seen in <phrase>?" is asked only of a finding with a post-location. */
export const diffAbnormality = (s: StudyInput, rng: Rng): Draft | null =>
  releaseAbnormality(s, rng, (e) =>
    e.post
      ? {
          question: `what abnormalities are seen in ${e.post}?`,
          answer: e.name,
          template: 'abnormality.post_location',
          entities: e.raw,
        }
      : null,
  );

/** Where-answer from the words before the finding ("left lower lobe area and right base area"), or null to pass. */
function wherePlace(e: PreparedEntity): string | null {
  const loc = e.location!;
  if (bothSides(loc) || (e.location2 && bothSides(e.location2))) return null;
  return e.location2 ? `${loc} area and ${e.location2} area` : `${loc} area`;
}

/** The side of one of the finding's places, or null to pass (both sides, or a second instance elsewhere). */
function sideAnswer(place: string, second: boolean): 'left side' | 'right side' | 'none' | null {
  if (bothSides(place) || second) return null;
  return hasLeft(place) ? 'left side' : hasRight(place) ? 'right side' : 'none';
}

/**
 * Where and which side, from the first finding (in random order) that can answer: its words
 * before it first, then its post-location phrase (answered as written); a finding seen on both
 * sides is passed over. Side questions name any one side in the place, not only a bare "left".
 */
export function diffLocation(s: StudyInput, rng: Rng): Draft | null {
  const t = rng.int(3);
  for (const e of rng.shuffle(s.entities)) {
    if (t < 2) {
      let answer: string | null = null;
      if (e.location !== null) answer = wherePlace(e);
      else if (e.post && !bothSides(e.post) && !e.second) answer = e.post;
      if (answer === null) continue;
      return {
        question: t === 0 ? `where in the image is the ${e.name} located?` : `where is the ${e.name}?`,
        answer,
        template:
          e.location !== null ? (t === 0 ? 'location.where_image' : 'location.where') : 'location.post_location',
        entities: e.raw,
      };
    }
    let side = e.location !== null ? sideAnswer(e.location, e.second ?? false) : 'none';
    if (side === null) continue;
    if (side === 'none' && e.post) side = sideAnswer(e.post, e.second ?? false);
    if (side === null || side === 'none') continue;
    return {
      question: `is the ${e.name} located on the left side or right side?`,
      answer: side,
      template: 'location.side',
      entities: e.raw,
    };
  }
  return null;
}

/** "of a, b, and c than the reference image. ": the published list, a comma before "and", a trailing space. */
function publishedList(lead: string, names: readonly string[]): string {
  if (names.length === 0) return '';
  const items =
    names.length === 1
      ? ` ${names[0]}`
      : names.map((n, i) => (i === names.length - 1 ? ` and ${n}` : ` ${n},`)).join('');
  return `${lead}${items} than the reference image. `;
}

const official = (e: PreparedEntity) => e.official ?? e.name;
/** pneumonia and infection count as one finding when added or missing. */
const PAIRED = new Map([
  ['pneumonia', 'infection'],
  ['infection', 'pneumonia'],
]);

/**
 * The difference question as the published Diff-VQA generation asks it of rule-based records:
 * the main study's findings in random order; a level change of one finding at a shared place
 * (other than "bilateral") is asked by place with that one change; otherwise level changes,
 * then added and missing findings in the published wording. Fixed: a finding missing from the
 * main study is left out only when its pneumonia/infection partner is in the main study (the
 * published test looked in the reference again, dropping both when the reference had both).
 */
export function diffDifference(
  main: readonly PreparedEntity[],
  ref: readonly PreparedEntity[],
  rng: Rng,
): Draft & { refEntities: string[] } {
  const order = rng.shuffle(main);
  const mainNames = order.map(official);
  const refNames = ref.map(official);
  let answer = '';
  const entities: string[] = [];
  const refEntities: string[] = [];
  for (const e of order) {
    for (const r of ref) {
      if (official(e) !== official(r) || !e.level || !r.level || e.level === r.level) continue;
      const change = `the level of ${official(e)} has changed from ${r.level} to ${e.level}. `;
      if (e.location && r.location) {
        const theirs = new Set(r.location.split(/\s+/));
        const shared = e.location.split(/\s+/).filter((w) => theirs.has(w));
        const place = shared.join(' ');
        if (shared.length && place !== 'bilateral')
          return {
            question: `what has changed in the ${place === 'left' || place === 'right' ? `${place} lung` : place} area?`,
            answer: change,
            template: 'difference.location',
            entities: e.raw,
            refEntities: r.raw,
          };
      }
      answer += change;
      entities.push(...e.raw);
      refEntities.push(...r.raw);
    }
  }
  const unique = (names: string[], other: readonly string[]) =>
    [...new Set(names)].filter((n) => !other.includes(n) && !other.includes(PAIRED.get(n) ?? '\u0000'));
  const added = unique(mainNames, refNames);
  const missing = unique(refNames, mainNames);
  answer += publishedList(
    added.length === 1 ? 'the main image has an additional finding of' : 'the main image has additional findings of',
    added,
  );
  answer += publishedList(
    missing.length === 1 ? 'the main image is missing the finding of' : 'the main image is missing the findings of',
    missing,
  );
  entities.push(...order.filter((e) => added.includes(official(e))).flatMap((e) => e.raw));
  refEntities.push(...ref.filter((e) => missing.includes(official(e))).flatMap((e) => e.raw));
  return {
    question: 'what has changed compared to the reference image?',
    answer: answer || 'nothing has changed.',
    template: answer ? 'difference.changes' : 'difference.none',
    entities,
    refEntities,
  };
}
