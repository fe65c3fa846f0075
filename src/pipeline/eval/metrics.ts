import type { Attrs } from '../schemas/keyinfo.js';
import { canonicalText } from '../names/normalize.js';
import { CATEGORIES, type Category, type EvalDoc, type EvalSet } from './types.js';

export interface Prf {
  tp: number;
  fp: number;
  fn: number;
  precision: number | null;
  recall: number | null;
  f1: number | null;
}

export interface AttrAccuracy {
  /** Matched positive entities whose gold value is non-null. */
  total: number;
  /** Same words (after normalization) as gold. */
  exact: number;
  /** At least one word in common with gold. */
  overlap: number;
  accuracy: number | null;
  overlapAccuracy: number | null;
}

export interface EntityRow extends Prf {
  name: string;
  category: Category;
  support: number;
}

export interface EvalReport {
  ids: {
    gold: number;
    pred: number;
    matched: number;
    goldOnly: number;
    predOnly: number;
    excluded: number;
    examplesGoldOnly: string[];
    examplesPredOnly: string[];
  };
  /** Entity names scores were restricted to (null = all). */
  restrictedTo: string[] | null;
  categories: Partial<Record<Category, Prf>>;
  attributes: Record<'location' | 'level' | 'type', AttrAccuracy>;
  perEntity: EntityRow[];
}

export function prf(tp: number, fp: number, fn: number): Prf {
  const precision = tp + fp ? tp / (tp + fp) : null;
  const recall = tp + fn ? tp / (tp + fn) : null;
  const f1 =
    precision !== null && recall !== null && precision + recall > 0
      ? (2 * precision * recall) / (precision + recall)
      : tp + fp + fn
        ? 0
        : null;
  return { tp, fp, fn, precision, recall, f1 };
}

const STOP = new Set(['the', 'of', 'in', 'at', 'and', 'on', 'a', 'an', 'to']);
const SAME = new Map([
  ['lobe', 'lung'],
  ['left-sided', 'left'],
  ['right-sided', 'right'],
  ['mildly', 'mild'],
  ['moderately', 'moderate'],
  ['minimally', 'minimal'],
  ['bases', 'base'],
  ['basilar', 'base'],
  ['basal', 'base'],
]);

function attrWords(v: string | null): Set<string> {
  if (!v) return new Set();
  return new Set(
    canonicalText(v)
      .split(/[\s,;/]+/)
      .filter((w) => w && !STOP.has(w))
      .map((w) => SAME.get(w) ?? w),
  );
}

export interface EvaluateOptions {
  /** Score only these entity names (both sides are filtered). */
  restrictTo?: ReadonlySet<string> | null;
}

/**
 * Entity-level scores on the studies both sides have (mismatched ids are
 * counted, not scored). Per category: micro precision/recall/F1 over
 * (study, name) pairs. Attributes: on positives found by both, the share whose
 * gold location/level/type (when given) the prediction reproduces.
 */
export function evaluate(gold: EvalSet, pred: EvalSet, opts: EvaluateOptions = {}): EvalReport {
  const restrict = opts.restrictTo ?? null;
  const keep = (n: string) => !restrict || restrict.has(n);
  const goldIds = [...gold.docs.keys()].filter((id) => !gold.excluded.has(id));
  const matched = goldIds.filter((id) => pred.docs.has(id));
  const goldOnly = goldIds.filter((id) => !pred.docs.has(id));
  const predOnly = [...pred.docs.keys()].filter((id) => !gold.docs.has(id));
  const scoredCats = CATEGORIES.filter((c) => gold.scored.has(c) && pred.scored.has(c));
  const counts = new Map<string, { tp: number; fp: number; fn: number }>();
  const bump = (cat: Category, name: string, k: 'tp' | 'fp' | 'fn') => {
    const key = `${cat}\u0000${name}`;
    const c = counts.get(key) ?? { tp: 0, fp: 0, fn: 0 };
    c[k]++;
    counts.set(key, c);
  };
  const attributes = { location: newAcc(), level: newAcc(), type: newAcc() };
  for (const id of matched) {
    const g = gold.docs.get(id)!;
    const p = pred.docs.get(id)!;
    for (const cat of scoredCats) {
      const gs = new Set([...namesOf(g, cat)].filter(keep));
      const ps = new Set([...namesOf(p, cat)].filter(keep));
      for (const n of gs) bump(cat, n, ps.has(n) ? 'tp' : 'fn');
      for (const n of ps) if (!gs.has(n)) bump(cat, n, 'fp');
    }
    for (const [name, ga] of g.positive) {
      const pa = p.positive.get(name);
      if (!keep(name) || !pa) continue;
      for (const k of ['location', 'level', 'type'] as const) scoreAttr(attributes[k], ga, pa, k);
    }
  }
  const categories: Partial<Record<Category, Prf>> = {};
  const perEntity: EntityRow[] = [];
  for (const cat of scoredCats) {
    let tp = 0,
      fp = 0,
      fn = 0;
    for (const [key, c] of counts) {
      const [kc, name] = key.split('\u0000') as [Category, string];
      if (kc !== cat) continue;
      tp += c.tp;
      fp += c.fp;
      fn += c.fn;
      perEntity.push({ name, category: cat, support: c.tp + c.fn, ...prf(c.tp, c.fp, c.fn) });
    }
    categories[cat] = prf(tp, fp, fn);
  }
  perEntity.sort(
    (a, b) =>
      a.category.localeCompare(b.category) || b.support - a.support || b.fp - a.fp || a.name.localeCompare(b.name),
  );
  for (const a of Object.values(attributes)) {
    a.accuracy = a.total ? a.exact / a.total : null;
    a.overlapAccuracy = a.total ? a.overlap / a.total : null;
  }
  return {
    ids: {
      gold: goldIds.length,
      pred: pred.docs.size,
      matched: matched.length,
      goldOnly: goldOnly.length,
      predOnly: predOnly.length,
      excluded: gold.excluded.size,
      examplesGoldOnly: goldOnly.slice(0, 5),
      examplesPredOnly: predOnly.slice(0, 5),
    },
    restrictedTo: restrict ? [...restrict].sort() : null,
    categories,
    attributes,
    perEntity,
  };
}

function namesOf(d: EvalDoc, cat: Category): Iterable<string> {
  return cat === 'positive' ? d.positive.keys() : cat === 'negative' ? d.negative : d.uncertain;
}

function newAcc(): AttrAccuracy {
  return { total: 0, exact: 0, overlap: 0, accuracy: null, overlapAccuracy: null };
}

function scoreAttr(acc: AttrAccuracy, g: Attrs, p: Attrs, k: keyof Attrs): void {
  const gw = attrWords(g[k]);
  if (gw.size === 0) return;
  const pw = attrWords(p[k]);
  acc.total++;
  if (gw.size === pw.size && [...gw].every((w) => pw.has(w))) acc.exact++;
  if ([...gw].some((w) => pw.has(w))) acc.overlap++;
}
