import { describe, expect, it } from 'vitest';
import { biasReport, questionTemplate } from '../../src/pipeline/dataset/bias.js';
import type { QaPair, QuestionType } from '../../src/pipeline/questions/schema.js';

let n = 0;
function pair(
  type: QuestionType,
  question: string,
  answer: string,
  split: string,
  template = `${type}.t`,
  entities: string[] = [],
): QaPair {
  n++;
  return {
    study_id: `s${n}`,
    qa_id: `q${n}`,
    subject_id: `p${n}`,
    dicom_id: null,
    ref_id: null,
    question_type: type,
    question,
    answer,
    answer_type: answer === 'yes' || answer === 'no' ? 'closed' : 'open',
    split,
    provenance: { entities, source_cycle: 0, template },
  };
}

const many = (k: number, f: () => QaPair) => Array.from({ length: k }, f);

describe('bias report', () => {
  it('fits the question-only baseline on train and scores it on test, flagging types above 80%', () => {
    const pairs = [
      // view: "is this PA view?" is always yes in train and in test: answerable without the image.
      ...many(10, () => pair('view', 'is this PA view?', 'yes', 'train', 'view.isPA')),
      ...many(5, () => pair('view', 'is this PA view?', 'yes', 'test', 'view.isPA')),
      // presence: the same question goes either way: the baseline gets half.
      ...many(3, () => pair('presence', 'is there edema?', 'yes', 'train', 'presence.short.positive', ['edema'])),
      ...many(2, () => pair('presence', 'is there edema?', 'no', 'train', 'presence.short.negative', ['edema'])),
      pair('presence', 'is there edema?', 'yes', 'test', 'presence.short.positive', ['edema']),
      pair('presence', 'is there edema?', 'no', 'test', 'presence.short.negative', ['edema']),
    ];
    const r = biasReport(pairs);
    expect(r.score_split).toBe('test');
    const view = r.by_type.find((t) => t.type === 'view')!;
    expect(view.baseline).toEqual({ template_accuracy: 1, question_accuracy: 1, scored: 5 });
    expect(view.flagged).toBe(true);
    expect(view.entropy_bits).toBe(0);
    const presence = r.by_type.find((t) => t.type === 'presence')!;
    // By question text the majority is yes (3 of 5): 1 of 2 right. The template ids name the answer
    // (positive/negative) but the baseline sees only the question form: also 1 of 2.
    expect(presence.baseline.question_accuracy).toBe(0.5);
    expect(presence.baseline.template_accuracy).toBe(0.5);
    expect(presence.yes_share).toBeCloseTo(4 / 7);
    expect(presence.entropy_bits).toBeCloseTo(-(4 / 7) * Math.log2(4 / 7) - (3 / 7) * Math.log2(3 / 7));
    expect(presence.top_entities).toEqual([['edema', 7]]);
    expect(r.flagged).toEqual(['view']);
    expect(r.overall.scored).toBe(7);
  });

  it('groups templates by the question form a model sees, not by the branch that fixed the answer', () => {
    expect(questionTemplate('presence.short.positive')).toBe('presence.short');
    expect(questionTemplate('presence.evidence.library')).toBe('presence.evidence');
    expect(questionTemplate('presence.location.flipped')).toBe('presence.location');
    expect(questionTemplate('difference.none')).toBe('difference.reference');
    expect(questionTemplate('view.isPA')).toBe('view.isPA');
    expect(questionTemplate('location.side')).toBe('location.side');
  });

  it('backs off to the type majority for a template never seen in train, and scores nothing without a held-out split', () => {
    const pairs = [
      ...many(3, () => pair('level', 'what level is the edema?', 'mild', 'train', 'level')),
      pair('level', 'what level is the effusion?', 'small', 'test', 'level.other'),
    ];
    const level = biasReport(pairs).by_type[0]!;
    expect(level.baseline).toEqual({ template_accuracy: 0, question_accuracy: 0, scored: 1 });
    expect(level.flagged).toBe(false);
    const none = biasReport(pairs.slice(0, 3));
    expect(none.score_split).toBeNull();
    expect(none.by_type[0]!.baseline.question_accuracy).toBeNull();
  });
});
