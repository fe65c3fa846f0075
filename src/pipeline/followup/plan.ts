import { canonicalText } from '../names/normalize.js';
import type { ReferenceRecord } from '../schemas/reference.js';
import type { Polarity } from './schema.js';

/**
 * Which follow-up questions a study needs (PIPELINE.md §8): every reference
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
}

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

export interface NormalizedName {
  ask: string;
  words: string[];
}

/** §8 name normalization: the name to ask about and the words that count as "already present". */
export function normalizeForFollowup(name: string): NormalizedName {
  const canon = canonicalText(name);
  const ask = ASK_AS.get(canon) ?? canon;
  let match = MATCH_AS.get(ask) ?? ask;
  match = match.replace(/^pleural /, '');
  return { ask, words: wordsOf(match) };
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
  if (typeof v === 'string') return v.split(/[,;]/).map((s) => s.trim()).filter(Boolean);
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

/** The words of every name the record holds for one polarity. */
export function presentWords(record: unknown, polarity: Polarity): Set<string> {
  const o = isObject(record) ? record : {};
  const names =
    polarity === 'negative'
      ? [...namesIn(o.no_entity), ...namesIn(o.uncertain_entity)]
      : [...namesIn(o.entity), ...namesIn(o.uncertain_entity), ...(isObject(o.opacity_vs_clear) && 'opacity' in o.opacity_vs_clear ? ['opacity'] : [])];
  return new Set(names.flatMap(wordsOf));
}

function missing(words: readonly string[], present: ReadonlySet<string>): boolean {
  return words.length > 0 && !words.some((w) => present.has(w));
}

/**
 * The questions for one study, negatives first (as the original asked them),
 * each reference name once. `opacity_vs_clear.opacity` counts as a positive
 * opacity (the original compared entity names only and asked about opacity
 * the model had already recorded there).
 */
export function planQuestions(record: unknown, ref: Pick<ReferenceRecord, 'entity' | 'no_entity'>): Question[] {
  const out: Question[] = [];
  const seen = new Set<string>();
  const add = (polarity: Polarity, name: string, present: ReadonlySet<string>) => {
    const n = normalizeForFollowup(name);
    if (!n.ask) return;
    if (polarity === 'negative' && SKIP_NEGATIVE.has(n.ask)) return;
    const key = questionKey({ polarity, entity: n.ask });
    if (seen.has(key) || !missing(n.words, present)) return;
    seen.add(key);
    out.push({ seq: out.length, polarity, entity: n.ask, words: n.words });
  };
  const negPresent = presentWords(record, 'negative');
  for (const name of ref.no_entity) add('negative', name, negPresent);
  const posPresent = presentWords(record, 'positive');
  for (const [key, e] of Object.entries(ref.entity)) add('positive', e.entity_name || key, posPresent);
  return out;
}

/** Drop-if-already-present: false once an earlier answer has put the finding in the relevant lists. */
export function stillNeeded(q: Pick<Question, 'polarity' | 'words'>, current: unknown): boolean {
  return missing(q.words, presentWords(current, q.polarity));
}
