import { canonicalText, normalizeEntityName } from '../names/normalize.js';
import type { Evidence, ReferenceRecord } from '../schemas/reference.js';
import type { Polarity } from './schema.js';
import { DEFAULT_STYLE, type Style } from '../schemas/style.js';

/**
 * Which follow-up questions a study needs (docs/method.md §8): every reference
 * finding the model's record lacks, as a positive or a negative. Pure; the
 * record may be strict or in the lenient shape a model reply has.
 */

export interface Question {
  /** Position in the study's plan for the cycle; stable for the same inputs. */
  seq: number;
  polarity: Polarity;
  /** The name put in the question. */
  entity: string;
  /** Words of which any one found in the record's names means "already there". */
  words: string[];
  /** Official name (disease library): a record name with the same official name is the same finding. */
  official: string;
}

/** Name → official name; the library's synonyms by default (bulla and cyst are one finding). */
export type NameNormalizer = (name: string) => string;

const defaultNormalize: NameNormalizer = (name) => normalizeEntityName(name);

/** Stable key of a question within a study and cycle (resume skips keys already answered). */
export const questionKey = (q: Pick<Question, 'polarity' | 'entity'>) => `${q.polarity}:${q.entity}`;

/** Names a whole-word test should not match on ("enlargement of the ..."). */
const STOP = new Set(['of', 'the', 'in', 'on', 'at', 'and', 'or', 'with', 'to', 'a', 'an', 'for', 'from', 'no']);

/** Readable renames for the question itself (§8). */
const ASK_AS: ReadonlyMap<string, string> = new Map([
  ['enlargement of the cardiac silhouette', 'cardiomegaly'],
  ['blunting of the costophrenic angle', 'pleural effusion'],
  ['lung opacity', 'opacity'],
]);

/** Wider word sets for the presence test: a model may name the same finding differently (§8). */
const MATCH_AS: ReadonlyMap<string, string> = new Map([
  ['infection', 'infection pneumonia'],
  ['atelectasis', 'atelectasis volume loss'],
]);

/** Reference negatives never asked: the model records clear lungs under opacity_vs_clear, not no_entity. */
const SKIP_NEGATIVE = new Set(['lung opacity', 'opacity']);
/** `release`: the published follow-up never asked about an opacity, positive or negative. */
const SKIP_RELEASE = SKIP_NEGATIVE;

/**
 * Phrases the published reference library kept as findings of their own, which ours files under
 * a broader one: the published follow-up named them as the report did.
 */
const PUBLISHED_OWN_NAMES = new Set(['enlargement of the cardiac silhouette']);

/** The name the published reference would have given a finding: its own phrase when every mention used it. */
function publishedName(name: string, evidence: readonly Evidence[]): string {
  const said = new Set(evidence.map((e) => canonicalText(e.text)));
  const [only] = said;
  return said.size === 1 && only !== undefined && PUBLISHED_OWN_NAMES.has(only) ? only : name;
}

export interface NormalizedName {
  ask: string;
  words: string[];
}

/**
 * §8 name normalization: the name to ask about and the words that count as "already present".
 * `improved` asks with the readable name ("cardiomegaly"); `release` asks with the reference's
 * own name ("enlargement of the cardiac silhouette") as the published follow-up did, and tests
 * presence with the same words either way.
 */
export function normalizeForFollowup(name: string, style: Style = DEFAULT_STYLE): NormalizedName {
  const canon = canonicalText(name);
  const renamed = ASK_AS.get(canon) ?? canon;
  let match = MATCH_AS.get(renamed) ?? renamed;
  match = match.replace(/^pleural /, '');
  return { ask: style === 'release' ? canon : renamed, words: wordsOf(match) };
}

export function wordsOf(text: string): string[] {
  return canonicalText(text)
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0 && !STOP.has(w));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Names in one KeyInfo category, whatever shape it has (dict, list of strings or dicts, comma string). */
export function namesIn(v: unknown): string[] {
  if (typeof v === 'string')
    return v
      .split(/[,;]/)
      .map((s) => s.trim())
      .filter(Boolean);
  if (Array.isArray(v)) {
    return v.flatMap((item) => {
      if (typeof item === 'string') return [item];
      if (isObject(item)) {
        const n = item.entity_name ?? item.name ?? item.description;
        return typeof n === 'string' ? [n] : [];
      }
      return [];
    });
  }
  if (isObject(v)) return Object.keys(v);
  return [];
}

export interface Present {
  words: Set<string>;
  official: Set<string>;
}

/** The words and official names of every name the record holds for one polarity. */
export function present(record: unknown, polarity: Polarity, normalize: NameNormalizer = defaultNormalize): Present {
  const o = isObject(record) ? record : {};
  const names =
    polarity === 'negative'
      ? [...namesIn(o.no_entity), ...namesIn(o.uncertain_entity)]
      : [
          ...namesIn(o.entity),
          ...namesIn(o.uncertain_entity),
          ...(isObject(o.opacity_vs_clear) && 'opacity' in o.opacity_vs_clear ? ['opacity'] : []),
        ];
  return { words: new Set(names.flatMap(wordsOf)), official: new Set(names.map((n) => normalize(n))) };
}

function missing(q: Pick<Question, 'words' | 'official'>, p: Present): boolean {
  return q.words.length > 0 && !q.words.some((w) => p.words.has(w)) && !p.official.has(q.official);
}

/**
 * The questions for one study, negatives first (as the original asked them),
 * each reference name once. `opacity_vs_clear.opacity` counts as a positive
 * opacity (the original compared entity names only and asked about opacity
 * the model had already recorded there).
 *
 * `release` style asks the published follow-up's set in its order: no opacity
 * question of either polarity, the reference's own names, and after the first
 * question the rest from the last one back (the original queued a study's
 * further questions and took them from the end of the queue).
 */
export function planQuestions(
  record: unknown,
  ref: Pick<ReferenceRecord, 'entity' | 'no_entity'> & Partial<Pick<ReferenceRecord, 'no_entity_evidence'>>,
  normalize: NameNormalizer = defaultNormalize,
  style: Style = DEFAULT_STYLE,
): Question[] {
  const out: Question[] = [];
  const seen = new Set<string>();
  const add = (polarity: Polarity, name: string, p: Present) => {
    const n = normalizeForFollowup(name, style);
    if (!n.ask) return;
    if (polarity === 'negative' && SKIP_NEGATIVE.has(n.ask)) return;
    if (style === 'release' && SKIP_RELEASE.has(n.ask)) return;
    const q = { seq: out.length, polarity, entity: n.ask, words: n.words, official: normalize(n.ask) };
    const key = questionKey(q);
    if (seen.has(key) || !missing(q, p)) return;
    seen.add(key);
    out.push(q);
  };
  const neg = present(record, 'negative', normalize);
  const named = (name: string, ev: readonly Evidence[] | undefined) =>
    style === 'release' ? publishedName(name, ev ?? []) : name;
  for (const name of ref.no_entity) add('negative', named(name, ref.no_entity_evidence?.[name]), neg);
  const pos = present(record, 'positive', normalize);
  for (const [key, e] of Object.entries(ref.entity)) add('positive', named(e.entity_name || key, e.evidence), pos);
  if (style !== 'release' || out.length < 3) return out;
  const [first, ...rest] = out;
  return [first!, ...rest.reverse()].map((q, seq) => ({ ...q, seq }));
}

/** Drop-if-already-present: false once an earlier answer has put the finding in the relevant lists. */
export function stillNeeded(
  q: Pick<Question, 'polarity' | 'words' | 'official'>,
  current: unknown,
  normalize: NameNormalizer = defaultNormalize,
): boolean {
  return missing(q, present(current, q.polarity, normalize));
}
