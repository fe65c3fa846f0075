import { describe, expect, it } from 'vitest';
import { generateQuestions, type StandardizedRecord } from '../../src/pipeline/questions/generate.js';
import { pairRng, QUESTION_GENERATORS, type QuestionGenerator } from '../../src/pipeline/questions/registry.js';
import {
  QUESTION_TYPES,
  type QaPair,
  type QuestionParams,
  type QuestionType,
  type StudyMeta,
} from '../../src/pipeline/questions/schema.js';
import { buildFrequencyDicts } from '../../src/pipeline/standardize/dictionaries.js';
import { sha256 } from '../../src/pipeline/util/hash.js';
import { corpus, DISEASES, params } from './fixtures.js';

const generate = (
  records: StandardizedRecord[],
  index: Map<string, StudyMeta>,
  p: QuestionParams,
  generators?: readonly QuestionGenerator[],
) => generateQuestions(records, index, buildFrequencyDicts(records.map((r) => r.keyinfo)), p, DISEASES, generators);

/** A type the release does not have, drawing several numbers per study and answering yes or no. */
const DUMMY = 'dummy' as QuestionType;
const dummy: QuestionGenerator = {
  type: DUMMY,
  generate: (s, rng) => {
    const n = 1 + rng.int(5);
    for (let i = 0; i < n; i++) rng.next();
    return {
      question: `is this study ${s.study_id} a dummy?`,
      answer: rng.chance(0.5) ? 'yes' : 'no',
      template: 'dummy',
      entities: [],
    };
  },
};

/** Each line of the JSONL export, so "byte-identical" means what a reader of qa.jsonl sees. */
const lines = (pairs: QaPair[]) => pairs.map((p) => JSON.stringify(p));

// Every option that draws randomly is on in one of these.
const SETTINGS: Array<Partial<QuestionParams>> = [
  {},
  { difference: true },
  { difference: true, lessYesNo: true, seed: 3 },
  { difference: true, balanceYesNo: true, seed: 5 },
  { apSubsample: 0.5, seed: 9 },
];

describe('question type registry', () => {
  it('holds every question type of the schema, in the schema order', () => {
    expect(QUESTION_GENERATORS.map((g) => g.type)).toEqual([...QUESTION_TYPES]);
  });

  it('difference questions only when the params ask for them', () => {
    const { records, index } = corpus();
    expect(generate(records, index, params()).pairs.some((p) => p.question_type === 'difference')).toBe(false);
    expect(
      generate(records, index, params({ difference: true })).pairs.some((p) => p.question_type === 'difference'),
    ).toBe(true);
  });

  it.each(SETTINGS)('adding a type leaves every other pair byte-identical (%o)', (over) => {
    const { records, index } = corpus(120);
    const p = params(over);
    const base = lines(generate(records, index, p).pairs);
    const appended = generate(records, index, p, [...QUESTION_GENERATORS, dummy]).pairs;
    expect(appended.filter((x) => x.question_type === DUMMY).length).toBeGreaterThan(0);
    expect(lines(appended.filter((x) => x.question_type !== DUMMY))).toEqual(base);
    // First in the registry, the new type's pairs come first in each study; the others are still the same bytes.
    const prepended = generate(records, index, p, [dummy, ...QUESTION_GENERATORS]).pairs;
    expect(lines(prepended.filter((x) => x.question_type !== DUMMY)).sort()).toEqual([...base].sort());
  });

  it('one more draw in one generator changes no other type', () => {
    const { records, index } = corpus(120);
    const p = params({ difference: true, apSubsample: 0.5 });
    const hungryView = QUESTION_GENERATORS.map((g): QuestionGenerator =>
      g.type === 'view' ? { ...g, generate: (s, rng, ctx) => (rng.next(), g.generate(s, rng, ctx)) } : g,
    );
    const base = generate(records, index, p).pairs;
    const changed = generate(records, index, p, hungryView).pairs;
    const notView = (ps: QaPair[]) => lines(ps.filter((x) => x.question_type !== 'view'));
    expect(notView(changed)).toEqual(notView(base));
    expect(lines(changed)).not.toEqual(lines(base));
  });

  it("a study's pairs do not depend on which other subjects are in the corpus", () => {
    const { records, index } = corpus(120);
    const p = params({ difference: true, lessYesNo: true });
    const all = generate(records, index, p).pairs;
    // Drop every other subject: the remaining subjects keep their studies and their history.
    const kept = records.filter((r) => Number(index.get(r.study_id)!.subject_id) % 2 === 0);
    const some = generate(kept, index, p).pairs;
    const keptIds = new Set(kept.map((r) => r.study_id));
    expect(some.length).toBeGreaterThan(0);
    expect(lines(some)).toEqual(lines(all.filter((x) => keptIds.has(x.study_id))));
  });

  it('each (seed, study, type) has its own stream', () => {
    const first = (seed: number, study: string, type: string) => pairRng(seed, study, type).next();
    expect(first(0, 's1', 'view')).toBe(first(0, 's1', 'view'));
    expect(
      new Set([first(0, 's1', 'view'), first(1, 's1', 'view'), first(0, 's2', 'view'), first(0, 's1', 'level')]).size,
    ).toBe(4);
  });

  it('the fixture corpus gives the pairs of generator version 2 (a change here means: bump GENERATOR_VERSION)', () => {
    const { records, index } = corpus(60);
    const digest = sha256(lines(generate(records, index, params({ difference: true })).pairs).join('\n'));
    expect(digest).toBe('99411ef5f430ef9e6e24cbfe473375779a24a9cfed15c18c572205a4eca8b739');
  });
});
