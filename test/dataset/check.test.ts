import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkPairs, type CheckInputs } from '../../src/pipeline/dataset/check.js';
import { generateQuestions, type StandardizedRecord } from '../../src/pipeline/questions/generate.js';
import type { QaPair, QuestionParams, StudyMeta } from '../../src/pipeline/questions/schema.js';
import type { Attrs, StrictKeyInfo } from '../../src/pipeline/schemas/keyinfo.js';
import { buildFrequencyDicts } from '../../src/pipeline/standardize/dictionaries.js';
import { corpus, DISEASES, params } from '../questions/fixtures.js';

const NAMES = [
  'pleural effusion',
  'effusion',
  'atelectasis',
  'cardiomegaly',
  'edema',
  'pulmonary edema',
  'pneumothorax',
  'opacity',
  'pneumonia',
  'Nodule',
  'scarring',
  ' ',
];
const LOCATIONS = [
  'left',
  'right',
  'bilateral',
  'left lower lobe',
  'right lower lobe',
  'left lung',
  'right base',
  'left lower lobe, right lower lobe',
  'left, right',
  'mid to lower',
  'upper to mid',
  'middle lobe',
  'right apical',
  'retrocardiac',
  'left lung, right base',
  'Left Upper Lobe',
  '',
];
const LEVELS = ['mild', 'moderate', 'small', 'large', 'Severe', ''];
const TYPES = ['layering', 'interstitial', 'patchy', ''];

const attrsArb: fc.Arbitrary<Attrs> = fc.record({
  location: fc.option(fc.oneof(fc.constantFrom(...LOCATIONS), fc.string({ maxLength: 12 })), { nil: null }),
  level: fc.option(fc.oneof(fc.constantFrom(...LEVELS), fc.string({ maxLength: 6 })), { nil: null }),
  type: fc.option(fc.constantFrom(...TYPES), { nil: null }),
});

const nameArb = fc.oneof(fc.constantFrom(...NAMES), fc.string({ maxLength: 10 }));

/** Arbitrary KeyInfo: names from the library and outside it, any attributes, negatives that may repeat positives. */
export const keyInfoArb: fc.Arbitrary<StrictKeyInfo> = fc.record({
  entity: fc.dictionary(nameArb, attrsArb, { maxKeys: 5 }),
  uncertain_entity: fc.constant({}),
  no_entity: fc.array(nameArb, { maxLength: 4 }),
  opacity_vs_clear: fc.option(attrsArb, { nil: null }).map((o) => (o ? { opacity: o } : {})),
});

const studyArb = fc.record({
  keyinfo: keyInfoArb,
  subject: fc.integer({ min: 1, max: 5 }),
  view: fc.constantFrom('postero-anterior', 'antero-posterior', 'PA', 'AP', 'lateral', null),
  order: fc.option(fc.integer({ min: 1, max: 4 }), { nil: null }),
  day: fc.option(fc.integer({ min: 1, max: 28 }), { nil: null }),
  split: fc.constantFrom('train', 'test', null),
  cycle: fc.integer({ min: 0, max: 2 }),
});

const paramsArb = fc.record({
  seed: fc.integer({ min: 0, max: 1000 }),
  filterLowFreq: fc.boolean(),
  lowFreqThreshold: fc.constantFrom('auto' as const, 1, 2),
  apSubsample: fc.constantFrom(0, 0.5, 1),
  lessYesNo: fc.boolean(),
  balanceYesNo: fc.boolean(),
  unknownView: fc.constantFrom('skip' as const, 'include' as const),
});

function build(rows: Array<typeof studyArb extends fc.Arbitrary<infer T> ? T : never>) {
  const records: StandardizedRecord[] = [];
  const index = new Map<string, StudyMeta>();
  rows.forEach((r, i) => {
    const id = String(50_000_000 + i);
    records.push({ study_id: id, keyinfo: r.keyinfo, cycle: r.cycle });
    index.set(id, {
      study_id: id,
      subject_id: String(10_000_000 + r.subject),
      dicom_id: `d${id}`,
      view: r.view,
      study_order: r.order,
      study_date: r.day === null ? null : `2150-01-${String(r.day).padStart(2, '0')}`,
      split: r.split,
    });
  });
  return { records, index };
}

function inputsFor(records: StandardizedRecord[], index: Map<string, StudyMeta>, p: QuestionParams): CheckInputs {
  return {
    records: new Map(records.map((r) => [r.study_id, r])),
    metadata: index,
    dicts: buildFrequencyDicts(records.map((r) => r.keyinfo)),
    params: p,
    diseases: DISEASES,
  };
}

function generated(over: Partial<QuestionParams> = {}) {
  const { records, index } = corpus(60);
  const p = params({ difference: true, apSubsample: 1, ...over });
  const inputs = inputsFor(records, index, p);
  const { pairs } = generateQuestions(records, index, inputs.dicts, p, DISEASES);
  return { pairs, inputs };
}

describe('consistency check', () => {
  it('knows the release style: release pairs break no rule when checked as release', () => {
    fc.assert(
      fc.property(fc.array(studyArb, { minLength: 1, maxLength: 14 }), paramsArb, (rows, over) => {
        const { records, index } = build(rows);
        const p = params({ ...over, difference: true });
        const inputs = { ...inputsFor(records, index, p), style: 'release' as const };
        const { pairs } = generateQuestions(records, index, inputs.dicts, p, DISEASES, undefined, 'release');
        const report = checkPairs(pairs, inputs);
        expect(Object.entries(report.by_rule).filter(([, r]) => r.count > 0)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('finds 0 violations in generated pairs for arbitrary KeyInfo, metadata and params', () => {
    fc.assert(
      fc.property(fc.array(studyArb, { minLength: 1, maxLength: 14 }), paramsArb, (rows, over) => {
        const { records, index } = build(rows);
        const p = params({ ...over, difference: true });
        const inputs = inputsFor(records, index, p);
        const { pairs } = generateQuestions(records, index, inputs.dicts, p, DISEASES);
        const report = checkPairs(pairs, inputs);
        expect(report.pairs).toBe(pairs.length);
        expect(Object.entries(report.by_rule).filter(([, r]) => r.count > 0)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('counts a wrong answer under its question type, with an example', () => {
    const { pairs, inputs } = generated();
    for (const type of ['abnormality', 'presence', 'view', 'location', 'level', 'type', 'difference'] as const) {
      const i = pairs.findIndex((p) => p.question_type === type);
      expect(i, type).toBeGreaterThanOrEqual(0);
      const bad: QaPair[] = pairs.map((p, j) =>
        j === i ? { ...p, answer: p.answer === 'yes' ? 'no' : p.answer === 'no' ? 'yes' : `${p.answer} x` } : p,
      );
      const report = checkPairs(bad, inputs);
      expect(report.by_rule[type].count, type).toBe(1);
      expect(report.by_rule[type].examples[0]!.qa_id).toBe(pairs[i]!.qa_id);
    }
  });

  it('flags a presence "yes" whose finding is not in the KeyInfo', () => {
    const { pairs, inputs } = generated();
    const i = pairs.findIndex((p) => p.provenance.template.endsWith('.positive'));
    const bad = pairs.map((p, j) =>
      j === i ? { ...p, provenance: { ...p.provenance, entities: ['no such finding'] } } : p,
    );
    expect(checkPairs(bad, inputs).by_rule.presence.count).toBe(1);
  });

  it('flags a view answer that contradicts the metadata, a subject in two splits and a missing study', () => {
    const { pairs, inputs } = generated();
    const v = pairs.findIndex((p) => p.provenance.template === 'view.which');
    const metadata = new Map(inputs.metadata);
    const m = metadata.get(pairs[v]!.study_id)!;
    metadata.set(m.study_id, { ...m, view: m.view === 'antero-posterior' ? 'postero-anterior' : 'antero-posterior' });
    expect(checkPairs(pairs, { ...inputs, metadata }).by_rule.view.count).toBeGreaterThan(0);

    const subject = pairs[0]!.subject_id;
    const last = pairs.map((p) => p.subject_id).lastIndexOf(subject);
    const split = pairs.map((p, j) => (j === last ? { ...p, split: p.split === 'train' ? 'test' : 'train' } : p));
    expect(checkPairs(split, inputs).by_rule.split.count).toBe(1);

    const records = new Map(inputs.records);
    records.delete(pairs[0]!.study_id);
    expect(checkPairs(pairs, { ...inputs, records }).by_rule.study.count).toBeGreaterThan(0);
  });

  it('flags a difference question whose reference is later than its main study', () => {
    const { pairs, inputs } = generated();
    const d = pairs.find((p) => p.question_type === 'difference')!;
    const swapped = { ...d, study_id: d.ref_id!, ref_id: d.study_id };
    const report = checkPairs([swapped], inputs);
    expect(report.by_rule.difference.examples[0]!.detail).toMatch(/not earlier/);
  });
});
