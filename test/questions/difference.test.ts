import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { differenceDraft, isStrictlyEarlier } from '../../src/pipeline/questions/difference.js';
import { generateQuestions } from '../../src/pipeline/questions/generate.js';
import { QuestionLibrary } from '../../src/pipeline/questions/library.js';
import { prepareKeyInfo } from '../../src/pipeline/questions/prepare.js';
import type { StudyMeta } from '../../src/pipeline/questions/schema.js';
import type { StrictKeyInfo } from '../../src/pipeline/schemas/keyinfo.js';
import { buildFrequencyDicts } from '../../src/pipeline/standardize/dictionaries.js';
import { DISEASES, attrs, ki, meta, params, rec } from './fixtures.js';

const library = new QuestionLibrary(DISEASES);
const ents = (k: StrictKeyInfo) => prepareKeyInfo(k, { library, filter: null }).entities;

describe('isStrictlyEarlier', () => {
  const t = (study_order: number | null, study_date: string | null) => ({ study_id: 'x', study_order, study_date });
  it('orders by study_order, then by date; ties and unknowns are never earlier', () => {
    expect(isStrictlyEarlier(t(1, '2150-01-01'), t(2, '2150-02-01'))).toBe(true);
    expect(isStrictlyEarlier(t(2, '2150-02-01'), t(1, '2150-01-01'))).toBe(false);
    expect(isStrictlyEarlier(t(1, '2150-01-01'), t(2, '2150-01-01'))).toBe(true); // same day, ranked
    expect(isStrictlyEarlier(t(1, '2150-01-01'), t(1, '2150-01-01'))).toBe(false);
    expect(isStrictlyEarlier(t(1, '2150-01-01'), t(1, '2150-03-01'))).toBe(true); // order tie → date
    expect(isStrictlyEarlier(t(null, '20150101'), t(null, '20150102'))).toBe(true);
    expect(isStrictlyEarlier(t(null, null), t(null, null))).toBe(false);
    expect(isStrictlyEarlier(t(1, '2150-05-01'), t(2, '2150-01-01'))).toBe(false); // order contradicts dates
  });
});

describe('differenceDraft', () => {
  it('level change, added and missing findings', () => {
    const main = ents(ki({ 'pleural effusion': attrs('bilateral', 'moderate'), edema: attrs(), pneumonia: attrs() }));
    const ref = ents(ki({ 'pleural effusion': attrs('bilateral', 'small'), atelectasis: attrs() }));
    const d = differenceDraft(main, ref);
    expect(d.question).toBe('what has changed compared to the reference image?');
    expect(d.answer).toBe(
      'the level of pleural effusion has changed from small to moderate. the main image has additional findings of edema and pneumonia than the reference image. the main image is missing the finding of atelectasis than the reference image.',
    );
    expect(d.refEntities).toEqual(['pleural effusion', 'atelectasis']);
  });

  it('nothing changed', () => {
    const same = ents(ki({ edema: attrs('left', 'mild') }));
    expect(differenceDraft(same, same)).toMatchObject({ answer: 'nothing has changed.', template: 'difference.none' });
  });

  it('a level change at a shared location is asked about by place', () => {
    const d = differenceDraft(
      ents(ki({ edema: attrs('left lower lobe', 'severe') })),
      ents(ki({ edema: attrs('left lower lobe', 'mild') })),
    );
    expect(d).toMatchObject({
      question: 'what has changed in the left lower lobe area?',
      answer: 'the level of edema has changed from mild to severe.',
    });
  });
});

describe('difference questions in the dataset', () => {
  // Random subject histories: orders with ties and gaps, dates that may be missing, shuffled ids.
  const history = fc.array(
    fc.record({
      subject: fc.integer({ min: 1, max: 4 }),
      order: fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }),
      day: fc.option(fc.integer({ min: 1, max: 28 }), { nil: null }),
      view: fc.constantFrom('postero-anterior', 'antero-posterior', 'lateral'),
      finding: fc.constantFrom('edema', 'pleural effusion', 'atelectasis', ''),
      level: fc.constantFrom('mild', 'moderate', null),
    }),
    { minLength: 1, maxLength: 25 },
  );

  it('the reference is always a strictly earlier AP/PA study of the same subject', () => {
    fc.assert(
      fc.property(history, fc.integer({ min: 0, max: 1000 }), (rows, seed) => {
        const index = new Map<string, StudyMeta>();
        const records = rows.map((r, i) => {
          const id = `s${(i * 7919) % 1000}-${i}`;
          // Dates follow the orders the way MIMIC's study_order is derived (rank of the date).
          const date =
            r.day === null ? null : `2150-${String(r.order ?? 1).padStart(2, '0')}-${String(r.day).padStart(2, '0')}`;
          index.set(id, meta(id, `p${r.subject}`, { view: r.view, study_order: r.order, study_date: date }));
          return rec(id, ki(r.finding ? { [r.finding]: attrs(null, r.level) } : {}));
        });
        const out = generateQuestions(
          records,
          index,
          buildFrequencyDicts(records.map((x) => x.keyinfo)),
          params({ difference: true, seed }),
          DISEASES,
        );
        for (const p of out.pairs) {
          if (p.question_type !== 'difference') {
            expect(p.ref_id).toBeNull();
            continue;
          }
          const main = index.get(p.study_id)!;
          const ref = index.get(p.ref_id!)!;
          expect(ref.subject_id).toBe(main.subject_id);
          expect(['postero-anterior', 'antero-posterior']).toContain(ref.view);
          const byOrder = ref.study_order !== null && main.study_order !== null && ref.study_order < main.study_order;
          const tieThenDate =
            (ref.study_order === null || main.study_order === null || ref.study_order === main.study_order) &&
            ref.study_date !== null &&
            main.study_date !== null &&
            ref.study_date < main.study_date;
          expect(byOrder || tieThenDate).toBe(true);
          if (ref.study_date && main.study_date) expect(ref.study_date <= main.study_date).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('studies without an earlier study get no difference question, and it is off by default', () => {
    const index = new Map([
      ['a', meta('a', 'p1', { study_order: 1, study_date: '2150-01-01' })],
      ['b', meta('b', 'p1', { study_order: 2, study_date: '2150-02-01' })],
    ]);
    const records = [rec('a', ki({ edema: attrs() })), rec('b', ki({ edema: attrs() }))];
    const dicts = buildFrequencyDicts(records.map((r) => r.keyinfo));
    const on = generateQuestions(records, index, dicts, params({ difference: true }), DISEASES);
    const diffs = on.pairs.filter((p) => p.question_type === 'difference');
    expect(diffs.map((p) => [p.study_id, p.ref_id])).toEqual([['b', 'a']]);
    expect(on.counts.no_reference).toBe(1);
    const off = generateQuestions(records, index, dicts, params(), DISEASES);
    expect(off.pairs.some((p) => p.question_type === 'difference' || p.ref_id !== null)).toBe(false);
  });
});
