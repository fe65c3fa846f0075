import { describe, expect, it } from 'vitest';
import { generateQuestions } from '../../src/pipeline/questions/generate.js';
import { buildFrequencyDicts } from '../../src/pipeline/standardize/dictionaries.js';
import { DISEASES, attrs, ki, meta, params, rec } from './fixtures.js';

/** Three studies of one subject taken in order, and a lone study of another subject. */
function history() {
  const index = new Map([
    ['a', meta('a', 'p1', { study_order: 1, study_date: '2150-01-01' })],
    ['b', meta('b', 'p1', { study_order: 2, study_date: '2150-02-01' })],
    ['c', meta('c', 'p1', { study_order: 3, study_date: '2150-03-01' })],
    ['d', meta('d', 'p2', { study_order: 1, study_date: '2150-01-01' })],
  ]);
  const records = [
    rec('a', ki({ edema: attrs('bilateral', 'mild') })),
    rec('b', ki({ edema: attrs('bilateral', 'moderate'), 'pleural effusion': attrs('left', 'small') })),
    rec('c', ki({ 'pleural effusion': attrs('left', 'large', 'layering') }, ['pneumothorax'])),
    rec('d', ki({ atelectasis: attrs('right lower lobe') })),
  ];
  return { index, records, dicts: buildFrequencyDicts(records.map((r) => r.keyinfo)) };
}

describe('the paired (Medical-Diff-VQA) layout', () => {
  it('every question of a study carries its one earlier reference; a study with none gets no questions', () => {
    const { index, records, dicts } = history();
    for (let seed = 0; seed < 20; seed++) {
      const { pairs } = generateQuestions(records, index, dicts, params({ seed, pairedLayout: true }), DISEASES);
      expect(new Set(pairs.map((p) => p.study_id))).toEqual(new Set(['b', 'c']));
      for (const id of ['b', 'c']) {
        const refs = new Set(pairs.filter((p) => p.study_id === id).map((p) => p.ref_id));
        expect(refs.size).toBe(1);
        const ref = [...refs][0]!;
        expect(index.get(ref)!.study_order!).toBeLessThan(index.get(id)!.study_order!);
      }
      expect(pairs.some((p) => p.question_type === 'difference')).toBe(true);
    }
  });

  it('asks each study the same questions as the separate layout, only with the reference attached', () => {
    const { index, records, dicts } = history();
    const strip = (ps: { study_id: string; question_type: string; question: string; answer: string }[]) =>
      ps.map((p) => `${p.study_id} ${p.question_type} ${p.question} ${p.answer}`);
    for (let seed = 0; seed < 10; seed++) {
      const separate = generateQuestions(records, index, dicts, params({ seed, difference: true }), DISEASES).pairs;
      const paired = generateQuestions(records, index, dicts, params({ seed, pairedLayout: true }), DISEASES).pairs;
      expect(strip(paired)).toEqual(strip(separate.filter((p) => p.study_id === 'b' || p.study_id === 'c')));
      // the separate layout leaves ref_id empty outside difference questions
      expect(separate.filter((p) => p.question_type !== 'difference').every((p) => p.ref_id === null)).toBe(true);
    }
  });
});
