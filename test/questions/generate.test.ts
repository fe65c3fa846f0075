import { describe, expect, it } from 'vitest';
import { generateQuestions, qaId, type StandardizedRecord } from '../../src/pipeline/questions/generate.js';
import { autoLowFreqThreshold } from '../../src/pipeline/questions/prepare.js';
import type { StudyMeta } from '../../src/pipeline/questions/schema.js';
import { buildFrequencyDicts } from '../../src/pipeline/standardize/dictionaries.js';
import { DISEASES, attrs, corpus, ki, meta, params, rec } from './fixtures.js';

const dictsOf = (records: StandardizedRecord[]) => buildFrequencyDicts(records.map((r) => r.keyinfo));

const run = (records: StandardizedRecord[], index: Map<string, StudyMeta>, over = {}, seed = 0) =>
  generateQuestions(records, index, dictsOf(records), params({ seed, ...over }), DISEASES);

describe('generateQuestions', () => {
  it('same input and seed → byte-identical output; another seed → different', () => {
    const { records, index } = corpus();
    const a = JSON.stringify(run(records, index, { difference: true }).pairs);
    const b = JSON.stringify(run(records, index, { difference: true }).pairs);
    const c = JSON.stringify(run(records, index, { difference: true, seed: 1 }, 1).pairs);
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it('output does not depend on the input order (records are sorted by study_id)', () => {
    const { records, index } = corpus();
    const reversed = [...records].reverse();
    expect(JSON.stringify(run(reversed, index).pairs)).toBe(JSON.stringify(run(records, index).pairs));
  });

  it('stable ids: hash of study, type, question, ref and seed; unique across the dataset', () => {
    const { records, index } = corpus();
    const { pairs } = run(records, index, { difference: true });
    for (const p of pairs) expect(p.qa_id).toBe(qaId(p.study_id, p.question_type, p.question, p.ref_id, 0));
    expect(new Set(pairs.map((p) => p.qa_id)).size).toBe(pairs.length);
    expect(qaId('s1', 'view', 'q', null, 0)).not.toBe(qaId('s1', 'view', 'q', null, 1));
  });

  it('only AP/PA studies get questions; lateral and unknown views are skipped by default', () => {
    const { records, index } = corpus();
    const r = run(records, index);
    const lateral = [...index.values()].filter((m) => m.view === 'lateral').map((m) => m.study_id);
    expect(r.pairs.some((p) => lateral.includes(p.study_id))).toBe(false);
    expect(r.counts.skipped_view).toBe(lateral.length);
    const noView = new Map([['s1', meta('s1', 'p1', { view: null })]]);
    const one = [rec('s1', ki({ edema: attrs('left', 'mild') }))];
    expect(run(one, noView).pairs).toHaveLength(0);
    const included = run(one, noView, { unknownView: 'include' });
    expect(included.pairs.length).toBeGreaterThan(0);
    expect(included.pairs.some((p) => p.question_type === 'view')).toBe(false);
  });

  it('never asks the same question twice in one study', () => {
    const { records, index } = corpus(90);
    for (const seed of [0, 1, 2, 3]) {
      const { pairs } = run(records, index, { difference: true }, seed);
      const keys = pairs.map((p) => `${p.study_id}\u0000${p.question}`);
      expect(new Set(keys).size).toBe(keys.length);
    }
  });

  it('records without metadata are skipped and counted', () => {
    const r = run([rec('x1', ki({ edema: attrs() }))], new Map());
    expect(r.pairs).toHaveLength(0);
    expect(r.counts.skipped_no_metadata).toBe(1);
  });

  it('provenance: the KeyInfo names, the cycle and the template', () => {
    const records = [rec('s1', ki({ 'left pleural effusions': attrs('left', 'small', null) }), 3)];
    const { pairs } = run(records, new Map([['s1', meta('s1', 'p1')]]));
    const level = pairs.find((p) => p.question_type === 'level')!;
    expect(level.provenance).toEqual({ entities: ['left pleural effusions'], source_cycle: 3, template: 'level' });
  });
});

describe('low-frequency filter', () => {
  const common = Array.from({ length: 12 }, (_, i) =>
    rec(`c${String(i).padStart(2, '0')}`, ki({ effusion: attrs('left', 'small', null) })),
  );
  const rare = rec(
    'r1',
    ki({ 'pleural effusion': attrs('left', 'gigantic', null), pneumothorax: attrs('right', 'small', null) }),
  );
  const records = [...common, rare];
  const index = new Map(records.map((r, i) => [r.study_id, meta(r.study_id, `p${i}`)]));

  it('drops entities whose official name is rare and nulls rare attribute values', () => {
    const r = run(records, index, { filterLowFreq: true, lowFreqThreshold: 10 });
    const mine = r.pairs.filter((p) => p.study_id === 'r1');
    // "pleural effusion" maps to the official name counted 13 times; pneumothorax (once) is dropped.
    expect(mine.some((p) => p.question.includes('pneumothorax') && p.answer === 'yes')).toBe(false);
    expect(mine.some((p) => p.question_type === 'level')).toBe(false); // "gigantic" seen once
    expect(r.counts.entities_low_freq).toBe(1);
    expect(r.counts.values_low_freq).toBeGreaterThanOrEqual(1);
    expect(r.threshold).toBe(10);
    // With the filter, questions use official names: "effusion" is asked as "pleural effusion".
    const commonQs = r.pairs.filter((p) => p.study_id.startsWith('c') && p.question_type === 'level');
    expect(commonQs.length).toBe(12);
    for (const p of commonQs) expect(p.question).toBe('what level is the pleural effusion?');
  });

  it('without the filter the rare entity is asked about', () => {
    const r = run(records, index, { filterLowFreq: false });
    expect(r.threshold).toBeNull();
    expect(r.counts.entities_low_freq).toBe(0);
    const lvl = r.pairs.filter((p) => p.study_id === 'r1' && p.question_type === 'level');
    expect(lvl.length).toBe(1);
  });

  it('the auto threshold scales with corpus size', () => {
    expect(autoLowFreqThreshold(227_835)).toBe(10);
    expect(autoLowFreqThreshold(1_000_000)).toBe(10);
    expect(autoLowFreqThreshold(160)).toBe(2);
    expect(autoLowFreqThreshold(50_000)).toBe(3);
  });
});

describe('yes/no options', () => {
  it('lessYesNo keeps about 10% of yes/no questions', () => {
    const { records, index } = corpus(600);
    const all = run(records, index).pairs.filter((p) => p.answer_type === 'closed').length;
    const less = run(records, index, { lessYesNo: true });
    const closed = less.pairs.filter((p) => p.answer_type === 'closed').length;
    expect(closed).toBeGreaterThan(0);
    expect(closed / all).toBeLessThan(0.2);
    expect(less.counts.dropped_less_yes_no).toBeGreaterThan(0);
  });

  it('balanceYesNo makes yes and no equal per type', () => {
    const { records, index } = corpus(300);
    const { pairs } = run(records, index, { balanceYesNo: true });
    const types = new Set(pairs.map((p) => p.question_type));
    for (const t of types) {
      const yes = pairs.filter((p) => p.question_type === t && p.answer === 'yes').length;
      const no = pairs.filter((p) => p.question_type === t && p.answer === 'no').length;
      expect(yes).toBe(no);
    }
  });
});
