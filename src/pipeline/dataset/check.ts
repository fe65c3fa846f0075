import type { Disease } from '../names/diseases.js';
import { differenceDraft, isStrictlyEarlier } from '../questions/difference.js';
import { normalizeView, preparation, qaId, type StandardizedRecord } from '../questions/generate.js';
import { hasLeft, hasRight, inPlace, locationParts, placeOf, placePhrase } from '../questions/phrases.js';
import { prepareKeyInfo, type PreparedEntity, type PreparedKeyInfo } from '../questions/prepare.js';
import type { MetadataIndex, QaPair, QuestionParams, StudyMeta } from '../questions/schema.js';
import type { FrequencyDicts } from '../standardize/dictionaries.js';
import type { Style } from '../schemas/style.js';
import { releasePlace } from '../questions/release.js';

/**
 * The consistency check (docs/dataset.md, "Consistency checks"): every pair is
 * re-derived from the final KeyInfo and the metadata, by rules written apart
 * from the generators (no random draws), so a generator bug shows up as a
 * violation instead of being reproduced.
 */

export const CHECK_RULES = [
  'study',
  'metadata',
  'qa_id',
  'answer_type',
  'split',
  'template',
  'abnormality',
  'presence',
  'view',
  'location',
  'level',
  'type',
  'difference',
] as const;
export type CheckRule = (typeof CHECK_RULES)[number];

export interface Violation {
  qa_id: string;
  study_id: string;
  question: string;
  answer: string;
  /** What the KeyInfo or metadata say instead. */
  detail: string;
}

export interface CheckReport {
  pairs: number;
  violations: number;
  by_rule: Record<CheckRule, { count: number; examples: Violation[] }>;
}

export interface CheckInputs {
  /** The current standardized record per study (the last line per study_id). */
  records: ReadonlyMap<string, StandardizedRecord>;
  metadata: MetadataIndex;
  dicts: FrequencyDicts;
  params: QuestionParams;
  diseases: readonly Disease[];
  /** The style the pairs were generated in (release words places and answers as the original). */
  style?: Style;
}

const EXAMPLES = 5;
const yesNo = (b: boolean) => (b ? 'yes' : 'no');
const locationAnswer = (loc: string) =>
  locationParts(loc)
    .slice(0, 2)
    .map((p) => `${p} area`)
    .join(' and ');
const LIBRARY_QUESTION = /^is there (?:evidence of )?(.+?)(?: in this image)?\?$/;

/** Checks pairs one at a time; `report()` gives the counts so far. */
export class ConsistencyChecker {
  private readonly prepared = new Map<string, PreparedKeyInfo | null>();
  private readonly splitOf = new Map<string, string>();
  private readonly byRule = Object.fromEntries(
    CHECK_RULES.map((r) => [r, { count: 0, examples: [] as Violation[] }]),
  ) as CheckReport['by_rule'];
  private pairs = 0;
  private readonly opts;

  constructor(
    private readonly input: CheckInputs,
    /** Sees every violation, not only the kept examples. */
    private readonly onViolation?: (rule: CheckRule, v: Violation) => void,
  ) {
    this.opts = preparation(input.records.size, input.dicts, input.params, input.diseases, input.style);
  }

  private keyInfo(study_id: string): PreparedKeyInfo | null {
    let p = this.prepared.get(study_id);
    if (p === undefined) {
      const rec = this.input.records.get(study_id);
      p = rec ? prepareKeyInfo(rec.keyinfo, this.opts) : null;
      this.prepared.set(study_id, p);
    }
    return p;
  }

  private flag(rule: CheckRule, p: QaPair, detail: string): void {
    const r = this.byRule[rule];
    const v = { qa_id: p.qa_id, study_id: p.study_id, question: p.question, answer: p.answer, detail };
    r.count++;
    if (r.examples.length < EXAMPLES) r.examples.push(v);
    this.onViolation?.(rule, v);
  }

  add(p: QaPair): void {
    this.pairs++;
    const ki = this.keyInfo(p.study_id);
    const meta = this.input.metadata.get(p.study_id);
    if (!ki || !meta) {
      this.flag('study', p, ki ? 'study has no report metadata' : 'study has no standardized KeyInfo');
      return;
    }
    this.checkRecordFields(p, meta);
    const problem = this.answerProblem(p, ki, meta);
    if (problem) this.flag(problem[0], p, problem[1]);
  }

  private checkRecordFields(p: QaPair, meta: StudyMeta): void {
    if (p.subject_id !== meta.subject_id || p.dicom_id !== meta.dicom_id)
      this.flag('metadata', p, `metadata has subject ${meta.subject_id}, dicom ${meta.dicom_id ?? 'none'}`);
    const id = qaId(p.study_id, p.question_type, p.question, p.ref_id, this.input.params.seed);
    if (id !== p.qa_id) this.flag('qa_id', p, `expected ${id}`);
    const closed = p.answer === 'yes' || p.answer === 'no';
    if ((p.answer_type === 'closed') !== closed)
      this.flag('answer_type', p, `answer_type ${p.answer_type} for answer "${p.answer}"`);
    const split = this.splitOf.get(p.subject_id);
    if (split === undefined) this.splitOf.set(p.subject_id, p.split);
    else if (split !== p.split) this.flag('split', p, `subject ${p.subject_id} is also in ${split}`);
  }

  /** The rule a pair breaks and why, or null. */
  private answerProblem(p: QaPair, ki: PreparedKeyInfo, meta: StudyMeta): [CheckRule, string] | null {
    const t = p.provenance.template;
    const family = t.split('.')[0]!;
    if (family !== p.question_type) return ['template', `template ${t} under type ${p.question_type}`];
    const entity = entityOf(p, ki.entities);
    switch (family) {
      case 'abnormality':
        return this.abnormality(p, ki, entity);
      case 'presence':
        return presenceProblem(p, ki, entity, this.input.style === 'release');
      case 'view':
        return viewProblem(p, meta);
      case 'location':
        return locationProblem(p, entity, this.input.style === 'release');
      case 'level':
      case 'type': {
        const want = entity?.[family] ?? null;
        return want === p.answer ? null : [family, `KeyInfo ${family} is ${want ?? 'none'}`];
      }
      case 'difference':
        return this.difference(p, ki, meta);
      default:
        return ['template', `unknown template ${t}`];
    }
  }

  private abnormality(p: QaPair, ki: PreparedKeyInfo, entity: PreparedEntity | null): [CheckRule, string] | null {
    const t = p.provenance.template;
    if (t === 'abnormality.any')
      return p.answer === yesNo(ki.entities.length > 0) ? null : ['abnormality', `${ki.entities.length} findings`];
    if (t === 'abnormality.all') {
      const want = ki.entities.map((e) => e.name).join(', ');
      return p.answer === want ? null : ['abnormality', `findings are "${want}"`];
    }
    if (t === 'abnormality.location')
      return entity?.location && entity.name === p.answer
        ? null
        : ['abnormality', 'answer is no finding with a location'];
    return ['template', `unknown template ${t}`];
  }

  private difference(p: QaPair, ki: PreparedKeyInfo, meta: StudyMeta): [CheckRule, string] | null {
    const refMeta = p.ref_id ? this.input.metadata.get(p.ref_id) : undefined;
    const ref = p.ref_id ? this.keyInfo(p.ref_id) : null;
    if (!refMeta || !ref) return ['difference', `reference ${p.ref_id ?? 'none'} has no KeyInfo or metadata`];
    if (refMeta.subject_id !== meta.subject_id) return ['difference', `reference is of subject ${refMeta.subject_id}`];
    if (!isStrictlyEarlier(refMeta, meta)) return ['difference', `reference ${p.ref_id} is not earlier`];
    const want = differenceDraft(ki.entities, ref.entities);
    return want.question === p.question && want.answer === p.answer
      ? null
      : ['difference', `the studies give "${want.answer}"`];
  }

  report(): CheckReport {
    const violations = Object.values(this.byRule).reduce((n, r) => n + r.count, 0);
    return { pairs: this.pairs, violations, by_rule: this.byRule };
  }
}

/** The prepared entity a pair was built from (by its KeyInfo names). */
function entityOf(p: QaPair, entities: readonly PreparedEntity[]): PreparedEntity | null {
  const raw = p.provenance.entities[0];
  if (raw === undefined) return null;
  return entities.find((e) => e.raw.includes(raw)) ?? null;
}

function presenceProblem(
  p: QaPair,
  ki: PreparedKeyInfo,
  e: PreparedEntity | null,
  release: boolean,
): [CheckRule, string] | null {
  const t = p.provenance.template;
  if (t.endsWith('.positive'))
    return p.answer === 'yes' && e && p.question.includes(e.name) ? null : ['presence', 'a "yes" without its finding'];
  if (t.endsWith('.negative')) {
    const raw = p.provenance.entities[0];
    const negated = ki.negatives.some((n) => n.raw === raw && p.question.includes(n.name));
    return p.answer === 'no' && negated ? null : ['presence', `"${raw ?? ''}" is not a stated negative`];
  }
  if (t.endsWith('.library')) {
    const asked = LIBRARY_QUESTION.exec(p.question)?.[1] ?? '';
    return p.answer === yesNo(ki.entities.some((x) => x.official === asked))
      ? null
      : ['presence', `findings ${ki.entities.some((x) => x.official === asked) ? 'include' : 'lack'} ${asked}`];
  }
  if (!e?.location) return ['presence', 'no finding with a location'];
  const place = placeOf(e.location);
  if (t === 'presence.bilateral')
    return p.answer === 'yes' && place === 'bilateral' ? null : ['presence', `location is ${e.location}`];
  const own = new Set(
    release
      ? [`is there ${e.name} in the ${releasePlace(e.location)}?`]
      : [place, ...locationParts(e.location)].map((x) => `is there ${e.name} ${inPlace(placePhrase(x))}?`),
  );
  if (t === 'presence.location.yes')
    return p.answer === 'yes' && own.has(p.question) ? null : ['presence', `location is ${e.location}`];
  if (t === 'presence.location.flipped')
    return p.answer === 'no' && !own.has(p.question) ? null : ['presence', `location is ${e.location}`];
  return ['template', `unknown template ${t}`];
}

function viewProblem(p: QaPair, meta: StudyMeta): [CheckRule, string] | null {
  const v = normalizeView(meta.view);
  const t = p.provenance.template;
  const ok =
    t === 'view.which'
      ? p.answer === `${v} view`
      : t === 'view.isPA' || t === 'view.isAP'
        ? p.answer === yesNo(t.slice(-2) === v)
        : false;
  return ok ? null : ['view', `metadata view is ${meta.view ?? 'unknown'}`];
}

function locationProblem(p: QaPair, e: PreparedEntity | null, release: boolean): [CheckRule, string] | null {
  if (!e?.location) return ['location', 'no finding with a location'];
  const loc = e.location;
  if (release) {
    // The release asks the side only of a bare side, and answers where-questions with the place as written.
    const want = p.provenance.template === 'location.side' ? `${loc} side` : `${loc} area`;
    const ok = p.provenance.template !== 'location.side' || loc === 'left' || loc === 'right';
    return ok && p.answer === want ? null : ['location', `location is ${loc}`];
  }
  if (p.provenance.template === 'location.side') {
    const sided = hasLeft(loc) !== hasRight(loc);
    return sided && p.answer === (hasLeft(loc) ? 'left side' : 'right side')
      ? null
      : ['location', `location is ${loc}`];
  }
  return p.answer === locationAnswer(loc) ? null : ['location', `location is ${loc}`];
}

/** Checks all pairs at once. */
export function checkPairs(pairs: Iterable<QaPair>, input: CheckInputs): CheckReport {
  const c = new ConsistencyChecker(input);
  for (const p of pairs) c.add(p);
  return c.report();
}
