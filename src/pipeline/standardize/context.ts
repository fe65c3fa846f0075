import { DEFAULT_STYLE, type Style } from '../schemas/style.js';
import { listSeparator } from '../rules/toKeyInfo.js';
import { countMap, highFrequency, type FrequencyDicts } from './dictionaries.js';
import { PLURALS, tokens } from './words.js';

/** Terms clinicians rejected, per dictionary (docs/method.md §9 step 5). */
export interface RejectedTerms {
  entity: ReadonlySet<string>;
  location: ReadonlySet<string>;
  level: ReadonlySet<string>;
  type: ReadonlySet<string>;
}

/**
 * Everything standardization looks up, indexed once so each look-up is a
 * Set/Map probe: the cost per name does not grow with the vocabulary (the
 * original scanned the whole entity dictionary for every name).
 */
export interface StandardizeContext {
  /** Known entity names, singular forms added (§9: "both forms are known"). */
  entities: ReadonlySet<string>;
  locations: ReadonlySet<string>;
  levels: ReadonlySet<string>;
  types: ReadonlySet<string>;
  highLevels: ReadonlySet<string>;
  highTypes: ReadonlySet<string>;
  highLocations: ReadonlySet<string>;
  entityCount: ReadonlyMap<string, number>;
  levelCount: ReadonlyMap<string, number>;
  typeCount: ReadonlyMap<string, number>;
  rejected: RejectedTerms | null;
  /**
   * Official names of the disease library: kept whole, so a name such as "acute
   * respiratory distress syndrome" does not lose "acute" to the type words.
   */
  protectedNames: ReadonlySet<string>;
  /** Joins the parts of an attribute the model gave as a list or a dict (`listSeparator(style)`). */
  listSep: string;
  /** Results per distinct string; names repeat across a corpus, so most look-ups hit. */
  memo: Memo;
}

/** Bounded caches: cleared when full so memory stays flat on corpora with endless distinct names. */
export class Memo {
  readonly clean = new Map<string, string>();
  readonly names = new Map<string, unknown>();
  constructor(private readonly max = 100_000) {}

  remember<V>(m: Map<string, V>, k: string, v: V): void {
    if (m.size >= this.max) m.clear();
    m.set(k, v);
  }
}

export const NO_REJECTIONS: RejectedTerms = {
  entity: new Set(),
  location: new Set(),
  level: new Set(),
  type: new Set(),
};

/** Singular form of each plural word in a term (word boundaries, all occurrences). */
export function singularize(term: string): string {
  const t = tokens(term);
  let changed = false;
  for (let i = 0; i < t.length; i++) {
    const s = PLURALS.get(t[i]!);
    if (s !== undefined) {
      t[i] = s;
      changed = true;
    }
  }
  return changed ? t.join(' ') : term;
}

/** A term set plus the singular form of each plural term. */
export function withSingulars(terms: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const t of terms) {
    out.add(t);
    out.add(singularize(t));
  }
  return out;
}

export interface ContextOptions {
  /** "High" threshold for level/type/location words (§9; default 1000 in the original). */
  highThreshold: number;
  rejected?: RejectedTerms | null;
  protectedNames?: Iterable<string>;
  /** Style of the run: `release` joins the parts of a list-valued attribute with a bare ",". */
  style?: Style;
}

export function buildContext(dicts: FrequencyDicts, opts: ContextOptions): StandardizeContext {
  const entityCount = countMap(dicts.entity);
  // Plural forms share the count of the plural term when the singular is unseen, as the original did.
  for (const [term, count] of dicts.entity) {
    const s = singularize(term);
    if (!entityCount.has(s)) entityCount.set(s, count);
  }
  const rejected = opts.rejected ? { ...opts.rejected, entity: withSingulars(opts.rejected.entity) } : null;
  return {
    entities: new Set(entityCount.keys()),
    locations: new Set(dicts.location.map(([t]) => t)),
    levels: new Set(dicts.level.map(([t]) => t)),
    types: new Set(dicts.type.map(([t]) => t)),
    highLevels: highFrequency(dicts.level, opts.highThreshold),
    highTypes: highFrequency(dicts.type, opts.highThreshold),
    highLocations: highFrequency(dicts.location, opts.highThreshold),
    entityCount,
    levelCount: countMap(dicts.level),
    typeCount: countMap(dicts.type),
    rejected,
    protectedNames: new Set(opts.protectedNames ?? []),
    listSep: listSeparator(opts.style ?? DEFAULT_STYLE),
    memo: new Memo(),
  };
}

/** A context with no dictionaries: used for the counting pass, before any dictionary exists. */
export function bootstrapContext(): StandardizeContext {
  return buildContext({ entity: [], location: [], level: [], type: [] }, { highThreshold: Infinity });
}
