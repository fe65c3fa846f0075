import { QUESTION_TYPES, type QaPair, type QuestionType } from '../questions/schema.js';

/**
 * The bias report (docs/dataset.md, "Bias report"): how far answers can be
 * guessed without the image. The question-only baseline answers with the
 * majority answer seen in train for the same question text (backing off to the
 * template, then the type) and is scored on the held-out split.
 */

/** A type whose question-only accuracy is above this is flagged: the image adds little. */
export const BASELINE_FLAG = 0.8;
const TOP = 5;
const TOP_ENTITIES = 10;

export interface Baseline {
  /** Majority answer per question template (`questionTemplate`), fitted on train. Null when nothing was scored. */
  template_accuracy: number | null;
  /** Majority answer per question text (template, then type, when the text was not in train). */
  question_accuracy: number | null;
  scored: number;
}

export interface TypeBias {
  type: QuestionType;
  count: number;
  yes: number;
  no: number;
  /** Share of yes among the type's yes/no answers; null when it has none. */
  yes_share: number | null;
  /** Shannon entropy of the answers, in bits. */
  entropy_bits: number;
  top_answers: Array<[answer: string, count: number]>;
  /** Pairs per KeyInfo entity name, most asked first. */
  top_entities: Array<[entity: string, count: number]>;
  entities: number;
  baseline: Baseline;
  flagged: boolean;
}

export interface BiasReport {
  fit_split: string;
  /** The split the baseline is scored on: test, else validate; null when neither has pairs. */
  score_split: string | null;
  threshold: number;
  overall: Baseline;
  by_type: TypeBias[];
  /** Types whose question-only accuracy exceeds the threshold. */
  flagged: QuestionType[];
}

/**
 * The question form a model can see. Template ids name the generator branch,
 * and some branches fix the answer (`presence.short.positive` is always yes,
 * `difference.none` always "nothing has changed"): those parts are dropped so
 * the baseline does not read the answer off the id.
 */
export function questionTemplate(template: string): string {
  return template
    .replace(/\.(positive|negative|library|yes|flipped)$/, '')
    .replace(/^difference\.(changes|none)$/, 'difference.reference');
}

type Counts = Map<string, number>;
const bump = (m: Counts, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

function majority(m: Counts | undefined): string | undefined {
  if (!m) return undefined;
  let best: string | undefined;
  let n = -1;
  // Ties go to the smaller answer text, so the baseline does not depend on input order.
  for (const [k, c] of m) if (c > n || (c === n && k < best!)) [best, n] = [k, c];
  return best;
}

function entropy(m: Counts, total: number): number {
  let h = 0;
  for (const c of m.values()) {
    const p = c / total;
    h -= p * Math.log2(p);
  }
  return h === 0 ? 0 : h;
}

const top = (m: Counts, n: number): Array<[string, number]> =>
  [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n);

class TypeTally {
  count = 0;
  yes = 0;
  no = 0;
  readonly answers: Counts = new Map();
  readonly entities: Counts = new Map();
  readonly byTemplate = new Map<string, Counts>();
  readonly byQuestion = new Map<string, Counts>();
  readonly trainAnswers: Counts = new Map();
}

function nested(m: Map<string, Counts>, k: string): Counts {
  let c = m.get(k);
  if (!c) m.set(k, (c = new Map()));
  return c;
}

const accuracy = (hits: number, n: number) => (n ? hits / n : null);

/** The bias report of a dataset: one pass to tally and fit, one over the scored split. */
export function biasReport(pairs: readonly QaPair[], fitSplit = 'train'): BiasReport {
  const tallies = new Map<QuestionType, TypeTally>();
  const held = new Map<string, number>();
  for (const p of pairs) {
    let t = tallies.get(p.question_type);
    if (!t) tallies.set(p.question_type, (t = new TypeTally()));
    t.count++;
    if (p.answer === 'yes') t.yes++;
    else if (p.answer === 'no') t.no++;
    bump(t.answers, p.answer);
    for (const e of p.provenance.entities) bump(t.entities, e);
    if (p.split === fitSplit) {
      bump(nested(t.byTemplate, questionTemplate(p.provenance.template)), p.answer);
      bump(nested(t.byQuestion, p.question), p.answer);
      bump(t.trainAnswers, p.answer);
    } else bump(held, p.split);
  }
  const scoreSplit = held.has('test') ? 'test' : held.has('validate') ? 'validate' : null;

  const scores = new Map<QuestionType, { template: number; question: number; n: number }>();
  if (scoreSplit) {
    // Majorities fitted once per key, not once per scored pair.
    const memo = new Map<string, string | undefined>();
    const guess = (
      type: QuestionType,
      t: TypeTally,
      kind: 'q' | 't',
      key: string,
      fallback: () => string | undefined,
    ) => {
      const k = `${kind}\0${type}\0${key}`;
      if (!memo.has(k)) memo.set(k, majority((kind === 'q' ? t.byQuestion : t.byTemplate).get(key)) ?? fallback());
      return memo.get(k);
    };
    for (const p of pairs) {
      if (p.split !== scoreSplit) continue;
      const t = tallies.get(p.question_type)!;
      let s = scores.get(p.question_type);
      if (!s) scores.set(p.question_type, (s = { template: 0, question: 0, n: 0 }));
      const byType = () => majority(t.trainAnswers);
      const byTemplate = guess(p.question_type, t, 't', questionTemplate(p.provenance.template), byType);
      const byQuestion = guess(p.question_type, t, 'q', p.question, () => byTemplate);
      s.n++;
      if (byTemplate === p.answer) s.template++;
      if (byQuestion === p.answer) s.question++;
    }
  }

  const by_type: TypeBias[] = [];
  let all = { template: 0, question: 0, n: 0 };
  for (const type of QUESTION_TYPES) {
    const t = tallies.get(type);
    if (!t) continue;
    const s = scores.get(type) ?? { template: 0, question: 0, n: 0 };
    all = { template: all.template + s.template, question: all.question + s.question, n: all.n + s.n };
    const baseline = {
      template_accuracy: accuracy(s.template, s.n),
      question_accuracy: accuracy(s.question, s.n),
      scored: s.n,
    };
    const best = Math.max(baseline.template_accuracy ?? 0, baseline.question_accuracy ?? 0);
    by_type.push({
      type,
      count: t.count,
      yes: t.yes,
      no: t.no,
      yes_share: t.yes + t.no ? t.yes / (t.yes + t.no) : null,
      entropy_bits: entropy(t.answers, t.count),
      top_answers: top(t.answers, TOP),
      top_entities: top(t.entities, TOP_ENTITIES),
      entities: t.entities.size,
      baseline,
      flagged: s.n > 0 && best > BASELINE_FLAG,
    });
  }
  return {
    fit_split: fitSplit,
    score_split: scoreSplit,
    threshold: BASELINE_FLAG,
    overall: {
      template_accuracy: accuracy(all.template, all.n),
      question_accuracy: accuracy(all.question, all.n),
      scored: all.n,
    },
    by_type,
    flagged: by_type.filter((t) => t.flagged).map((t) => t.type),
  };
}
