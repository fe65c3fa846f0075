import { hash32, Rng } from '../util/random.js';
import { differenceDraft, pickReference, type Timed } from './difference.js';
import { abnormality, attribute, location, presence, view, type Draft, type StudyInput } from './generators.js';
import { releaseAbnormality, releaseLocation, releasePresence } from './release.js';
import { diffAbnormality, diffDifference, diffLocation } from './diffLayout.js';
import type { Style } from '../schemas/style.js';
import type { QuestionParams, QuestionType } from './schema.js';
import type { Library } from './types.js';

/**
 * Version of the question generators' behaviour, recorded in the dataset
 * manifest. Bump it when the same input and seed give different pairs.
 * 1: one random stream shared by all studies and types, in study_id order.
 * 2: one stream per (seed, study, question type), so adding a type or a draw
 *    changes only that type's pairs.
 */
export const GENERATOR_VERSION = 2;

/** A study as generators see it. */
export interface StudyForQuestions extends Timed {
  subject_id: string;
  input: StudyInput;
}

export interface GeneratorContext {
  params: QuestionParams;
  library: Library;
  /** The eligible studies of a subject: the candidates for a difference reference. */
  subjectStudies(subject_id: string): readonly StudyForQuestions[];
  /** Counts a study that got no difference question because no earlier study exists. */
  noReference(): void;
}

/** One question type: at most one draft per study, drawn only from `rng`. */
export interface QuestionGenerator {
  type: QuestionType;
  /** Off unless the params ask for the type; absent = always on. */
  enabled?: (params: QuestionParams) => boolean;
  generate(study: StudyForQuestions, rng: Rng, ctx: GeneratorContext): Draft | null;
}

function differenceQuestion(s: StudyForQuestions, rng: Rng, ctx: GeneratorContext): Draft | null {
  const ref = pickReference(s, ctx.subjectStudies(s.subject_id), rng);
  if (!ref) {
    ctx.noReference();
    return null;
  }
  const { refEntities, ...d } = s.input.fromRules
    ? diffDifference(s.input.entities, ref.input.entities, rng)
    : differenceDraft(s.input.entities, ref.input.entities);
  return { ...d, ref: { id: ref.study_id, entities: refEntities } };
}

/**
 * The question types, in the order a study's pairs are written (an earlier
 * type wins a duplicate question). Adding a type is one entry here plus its
 * name in schema.ts; every other type's pairs stay byte-identical.
 */
export const QUESTION_GENERATORS: readonly QuestionGenerator[] = [
  { type: 'abnormality', generate: (s, rng) => abnormality(s.input, rng) },
  { type: 'presence', generate: (s, rng, ctx) => presence(s.input, rng, ctx.library) },
  { type: 'view', generate: (s, rng, ctx) => view(s.input, rng, ctx.params.apSubsample) },
  { type: 'location', generate: (s, rng) => location(s.input, rng) },
  { type: 'level', generate: (s, rng) => attribute('level', s.input, rng) },
  { type: 'type', generate: (s, rng) => attribute('type', s.input, rng) },
  { type: 'difference', enabled: (p) => p.difference || p.pairedLayout === true, generate: differenceQuestion },
];

/**
 * Release style swaps the generators of the types whose choices differ (docs/differences.md,
 * Questions); a rule-based record in the paired layout gets the Diff-VQA layout's own.
 */
const RELEASE_OVERRIDES: Partial<Record<QuestionType, QuestionGenerator['generate']>> = {
  abnormality: (s, rng) => (s.input.fromRules ? diffAbnormality : releaseAbnormality)(s.input, rng),
  presence: (s, rng, ctx) => releasePresence(s.input, rng, ctx.library),
  location: (s, rng) => (s.input.fromRules ? diffLocation : releaseLocation)(s.input, rng),
};

/** The question types for a style, in the same order (so a type's pairs depend only on its own generator). */
export function generatorsFor(style: Style): readonly QuestionGenerator[] {
  if (style === 'improved') return QUESTION_GENERATORS;
  return QUESTION_GENERATORS.map((g) => {
    const generate = RELEASE_OVERRIDES[g.type];
    return generate ? { ...g, generate } : g;
  });
}

/** The random stream of one (seed, study, question type) pair: its draws depend on nothing else. */
export const pairRng = (seed: number, study_id: string, type: string): Rng => new Rng(hash32(seed, study_id, type));

/** The stream that balances one type's yes/no answers (a first part no study-level seed starts with). */
export const balanceRng = (seed: number, type: string): Rng => new Rng(hash32('balanceYesNo', seed, type));
