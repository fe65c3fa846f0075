import type { PreparedEntity, PreparedKeyInfo } from './prepare.js';
import { bothSides, flipLocation, hasLeft, hasRight, inPlace, locationParts, placeOf, placePhrase } from './phrases.js';
import type { Library } from './types.js';
import type { Rng } from '../util/random.js';

/** A question before ids, split and metadata are attached. */
export interface Draft {
  question: string;
  answer: string;
  template: string;
  /** KeyInfo names the pair is about. */
  entities: string[];
  /** The earlier study a difference question compares against, and its KeyInfo names the question is about. */
  ref?: { id: string; entities: string[] };
}

export interface StudyInput extends PreparedKeyInfo {
  view: 'AP' | 'PA' | null;
  /** Its entities carry rule-based places (`post`, `location2`, `second`): the Diff-VQA layout's generators apply. */
  fromRules?: boolean;
}

/** Re-draws when a branch has nothing to ask ("pick again" in §10), bounded so it always ends. */
export const MAX_DRAWS = 12;

export const yesNo = (b: boolean) => (b ? 'yes' : 'no');
const rawOf = (...es: PreparedEntity[]) => es.flatMap((e) => e.raw);

/** "What abnormalities are seen": every finding, in both styles. */
export const allAbnormalities = (s: StudyInput): Draft => ({
  question: 'what abnormalities are seen in this image?',
  answer: s.entities.map((e) => e.name).join(', '),
  template: 'abnormality.all',
  entities: rawOf(...s.entities),
});

/** "Is there evidence of any abnormalities": yes when the study has a finding, in both styles. */
export const anyAbnormality = (s: StudyInput): Draft => ({
  question: 'is there evidence of any abnormalities in this image?',
  answer: yesNo(s.entities.length > 0),
  template: 'abnormality.any',
  entities: rawOf(...s.entities),
});

export function abnormality(s: StudyInput, rng: Rng): Draft | null {
  for (let i = 0; i < MAX_DRAWS; i++) {
    const t = rng.int(3);
    if (t === 0) {
      if (s.entities.length === 0) {
        if (rng.chance(0.5)) return null;
        continue;
      }
      return allAbnormalities(s);
    }
    if (t === 1) {
      const e = rng.shuffle(s.entities).find((x) => x.location !== null);
      if (!e) continue;
      const place = placeOf(e.location!);
      const where = place === 'bilateral' ? 'both lungs' : placePhrase(place);
      return {
        question: `what abnormalities are seen ${inPlace(where)}?`,
        answer: e.name,
        template: 'abnormality.location',
        entities: e.raw,
      };
    }
    return anyAbnormality(s);
  }
  return null;
}

/** "is there X <where>?" about one finding: the located presence questions of both styles. */
export const placeDraft = (e: PreparedEntity, where: string, yes: boolean, template: string): Draft => ({
  question: `is there ${e.name} ${where}?`,
  answer: yesNo(yes),
  template,
  entities: e.raw,
});

/** "is there (evidence of) X?" about a finding of the study (yes), in wording `t`. */
export const positiveDraft = (t: number, e: PreparedEntity): Draft => ({
  question: presenceText(t, e.name),
  answer: 'yes',
  template: `presence.${presenceKind(t)}.positive`,
  entities: e.raw,
});

/** "is the X bilateral?" for a finding placed on both sides (yes). */
export const bilateralDraft = (e: PreparedEntity): Draft => ({
  question: `is the ${e.name} bilateral?`,
  answer: 'yes',
  template: 'presence.bilateral',
  entities: e.raw,
});

export const presenceText = (t: number, x: string) =>
  t === 0 ? `is there evidence of ${x} in this image?` : `is there ${x}?`;
/** The template word of a presence question's wording `t`. */
export const presenceKind = (t: number) => (t === 0 ? 'evidence' : 'short');

/** A random library disease, answered from the record's findings. */
function libraryBranch(s: StudyInput, t: number, rng: Rng, lib: Library): Draft | null {
  if (lib.askable.length === 0) return null;
  const d = rng.pick(lib.askable);
  const hits = s.entities.filter((e) => e.official === d);
  return {
    question: presenceText(t, d),
    answer: yesNo(hits.length > 0),
    template: `presence.${presenceKind(t)}.library`,
    entities: rawOf(...hits),
  };
}

/** A finding the report negates (both styles). */
export function negativeBranch(s: StudyInput, t: number, rng: Rng): Draft {
  const n = rng.pick(s.negatives);
  return {
    question: presenceText(t, n.name),
    answer: 'no',
    template: `presence.${presenceKind(t)}.negative`,
    entities: [n.raw],
  };
}

export function presence(s: StudyInput, rng: Rng, lib: Library): Draft | null {
  if (s.entities.length === 0 && s.negatives.length === 0) return null;
  for (let i = 0; i < MAX_DRAWS; i++) {
    const t = rng.int(3);
    if (t < 2) {
      if (rng.chance(0.5)) {
        // The "no" branch: a stated negative, or a library disease checked against the findings.
        if (rng.chance(0.5)) {
          const d = s.negatives.length ? negativeBranch(s, t, rng) : libraryBranch(s, t, rng, lib);
          if (d) return d;
        } else {
          const d =
            s.entities.length || !s.negatives.length ? libraryBranch(s, t, rng, lib) : negativeBranch(s, t, rng);
          if (d) return d;
        }
        continue;
      }
      if (s.entities.length === 0) continue;
      const e = rng.pick(s.entities);
      return positiveDraft(t, e);
    }
    const e = s.entities.find((x) => x.location !== null);
    if (!e) continue;
    const loc = placeOf(e.location!);
    if (rng.chance(0.5)) {
      if (loc === 'bilateral') return bilateralDraft(e);
      return placeDraft(e, inPlace(placePhrase(loc)), true, 'presence.location.yes');
    }
    const flipped = flipLocation(loc, rng);
    // The flipped place must really be absent: a finding at "left lower lobe, right lower lobe" is not flipped.
    if (flipped === null || locationParts(e.location!).includes(flipped)) continue;
    return placeDraft(e, inPlace(placePhrase(flipped)), false, 'presence.location.flipped');
  }
  return null;
}

export function view(s: StudyInput, rng: Rng, apSubsample: number): Draft | null {
  if (s.view === null) return null;
  if (s.view === 'AP' && !rng.chance(apSubsample)) return null;
  if (rng.chance(0.5))
    return {
      question: 'which view is this image taken?',
      answer: `${s.view} view`,
      template: 'view.which',
      entities: [],
    };
  const ask = rng.chance(0.5) ? 'PA' : 'AP';
  return { question: `is this ${ask} view?`, answer: yesNo(ask === s.view), template: `view.is${ask}`, entities: [] };
}

export function location(s: StudyInput, rng: Rng): Draft | null {
  const candidates = s.entities.filter((e) => e.location !== null && !bothSides(e.location));
  if (candidates.length === 0) return null;
  const e = rng.pick(candidates);
  const loc = e.location!;
  const sided = hasLeft(loc) !== hasRight(loc);
  const t = rng.int(sided ? 3 : 2);
  if (t === 2)
    return {
      question: `is the ${e.name} located on the left side or right side?`,
      answer: hasLeft(loc) ? 'left side' : 'right side',
      template: 'location.side',
      entities: e.raw,
    };
  const answer = locationParts(loc)
    .slice(0, 2)
    .map((p) => `${p} area`)
    .join(' and ');
  const question = t === 0 ? `where in the image is the ${e.name} located?` : `where is the ${e.name}?`;
  return { question, answer, template: t === 0 ? 'location.where_image' : 'location.where', entities: e.raw };
}

export function attribute(kind: 'level' | 'type', s: StudyInput, rng: Rng): Draft | null {
  const candidates = s.entities.filter((e) => e[kind] !== null);
  if (candidates.length === 0) return null;
  const e = rng.pick(candidates);
  return { question: `what ${kind} is the ${e.name}?`, answer: e[kind]!, template: kind, entities: e.raw };
}
