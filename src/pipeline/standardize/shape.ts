import type { Attrs } from '../schemas/keyinfo.js';
import { preview, type ChangeLog } from './changes.js';
import type { StandardizeContext } from './context.js';
import {
  attrsFromWords,
  attrsOf,
  cleanTerm,
  emptyAttrs,
  isObj,
  LIMITS,
  mergeAttrs,
  parseColonString,
  type Obj,
} from './attrs.js';
import { ATTR_KEYS } from './words.js';

/** One category as the working form: name → attrs, in insertion order. */
export type Cat = Map<string, Attrs>;
export const CATEGORIES = ['opacity_vs_clear', 'entity', 'uncertain_entity'] as const;
export type CatName = (typeof CATEGORIES)[number];

export interface Work {
  opacity_vs_clear: Cat;
  entity: Cat;
  uncertain_entity: Cat;
  no_entity: string[];
}

/** Keys that are never entity names (§9.1). */
const DROP_NAMES = new Set(['right lung', 'left lung', 'location', 'level', 'type', 'description']);
const NON_ENTITY_KEYS = new Set([...ATTR_KEYS, 'description', 'number']);

/** Put an entity into a category, merging attributes when the name is already there. */
export function put(cat: Cat, name: string, attrs: Attrs): void {
  const prev = cat.get(name);
  if (prev) mergeAttrs(prev, attrs);
  else cat.set(name, attrs);
}

interface Entry {
  name: unknown;
  value: unknown;
  depth: number;
  /** Set when the entry was nested inside another entity. */
  from?: string;
}

/** §9.1 shape repair of entity / uncertain_entity / opacity_vs_clear. */
export function repairCategory(catName: CatName, v: unknown, ctx: StandardizeContext, log: ChangeLog): Cat {
  const cat: Cat = new Map();
  const queue: Entry[] = [];
  enqueueCategory(v, 0, queue);
  let processed = 0;
  // A queue, not recursion: nesting depth cannot overflow the stack.
  for (let i = 0; i < queue.length; i++) {
    if (++processed > LIMITS.items) {
      log.add('dropped_term', catName, `${queue.length - i} more entries`, null, 'limit: entries per category');
      break;
    }
    const e = queue[i]!;
    if (typeof e.name !== 'string') continue;
    const name = cleanTerm(e.name);
    if (name === '' || DROP_NAMES.has(name)) {
      if (e.name !== '') log.add('dropped_term', `${catName}.${e.name}`, preview(e.value), null, '§9.1 non-entity key');
      continue;
    }
    if (catName === 'opacity_vs_clear' && (e.value === null || e.value === false)) continue;
    const { attrs, nested } = entityValue(e.value, e.depth, ctx);
    if (e.from !== undefined)
      log.add('split', `${catName}.${e.from}.${name}`, e.from, name, '§9.1 nested entity moved up');
    put(cat, name, attrs);
    if (e.depth < LIMITS.depth)
      for (const [k, val] of nested) queue.push({ name: k, value: val, depth: e.depth + 1, from: name });
  }
  return cat;
}

function enqueueCategory(v: unknown, depth: number, queue: Entry[]): void {
  if (depth > LIMITS.depth || queue.length > LIMITS.items) return;
  if (typeof v === 'string') {
    queue.push({ name: v, value: null, depth });
  } else if (Array.isArray(v)) {
    const n = Math.min(v.length, LIMITS.items);
    for (let i = 0; i < n; i++) {
      const item = v[i];
      if (typeof item === 'string') queue.push({ name: item, value: null, depth });
      else if (Array.isArray(item)) enqueueCategory(item, depth + 1, queue);
      else if (isObj(item)) enqueueItemDict(item, depth, queue);
    }
  } else if (isObj(v)) {
    if (typeof v.description === 'string') {
      queue.push({ name: v.description, value: v, depth });
      return;
    }
    for (const k of Object.keys(v)) queue.push({ name: k, value: v[k], depth });
  }
}

/** A list item that is a dict: named by its description, else its type; else a dict of entities. */
function enqueueItemDict(item: Obj, depth: number, queue: Entry[]): void {
  if (typeof item.description === 'string') {
    queue.push({ name: item.description, value: item, depth });
  } else if (typeof item.type === 'string' && Object.keys(item).every((k) => NON_ENTITY_KEYS.has(k))) {
    const { type: name, ...rest } = item;
    queue.push({ name, value: rest, depth });
  } else {
    enqueueCategory(item, depth + 1, queue);
  }
}

/** An entity's value of any shape → its attributes plus the entities nested inside it. */
function entityValue(
  v: unknown,
  depth: number,
  ctx: StandardizeContext,
): { attrs: Attrs; nested: [string, unknown][] } {
  const nested: [string, unknown][] = [];
  if (depth > LIMITS.depth) return { attrs: emptyAttrs(), nested };
  if (isObj(v)) {
    const attrs = attrsOf(v, depth, ctx);
    for (const k of Object.keys(v)) {
      if (NON_ENTITY_KEYS.has(k)) continue;
      const val = v[k];
      if (val === null || val === undefined) continue;
      const name = cleanTerm(k);
      // Known entity names move up; an unknown key whose value is a dict is an entity by its shape.
      if (ctx.entities.has(name) || (isObj(val) && !ctx.locations.has(name))) nested.push([k, val]);
      if (nested.length >= LIMITS.items) break;
    }
    return { attrs, nested };
  }
  if (Array.isArray(v)) {
    const words: string[] = [];
    const attrs = emptyAttrs();
    const n = Math.min(v.length, LIMITS.items);
    for (let i = 0; i < n; i++) {
      const item = v[i];
      if (typeof item === 'string') words.push(item);
      else if (typeof item === 'number' && Number.isFinite(item)) words.push(String(item));
      else if (isObj(item)) mergeAttrs(attrs, attrsOf(item, depth + 1, ctx));
      else if (Array.isArray(item)) mergeAttrs(attrs, entityValue(item, depth + 1, ctx).attrs);
    }
    mergeAttrs(attrs, attrsFromWords(words, ctx));
    return { attrs, nested };
  }
  if (typeof v === 'string') {
    if (v.includes(':')) {
      const parsed = parseColonString(v.slice(0, LIMITS.attrChars * 4));
      if (typeof parsed !== 'string') return entityValue(parsed, depth + 1, ctx);
    }
    return { attrs: attrsFromWords([v], ctx), nested };
  }
  return { attrs: emptyAttrs(), nested };
}

/** §9.1 no_entity: null → []; string → split on commas; dict → its non-attribute keys; lists flattened. */
export function repairNoEntity(v: unknown): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (s: string) => {
    const t = cleanTerm(s);
    if (t !== '' && !seen.has(t) && out.length < LIMITS.items) {
      seen.add(t);
      out.push(t);
    }
  };
  const walk = (x: unknown, depth: number): void => {
    if (depth > LIMITS.depth || out.length >= LIMITS.items) return;
    if (typeof x === 'string') {
      for (const part of x.slice(0, LIMITS.termChars * 40).split(',')) add(part);
    } else if (Array.isArray(x)) {
      const n = Math.min(x.length, LIMITS.items);
      for (let i = 0; i < n; i++) walk(x[i], depth + 1);
    } else if (isObj(x)) {
      if (typeof x.description === 'string') add(x.description);
      for (const k of Object.keys(x)) if (!NON_ENTITY_KEYS.has(k)) add(k);
    }
  };
  walk(v, 0);
  return out;
}

/**
 * The working form of a record that is already strict and normalised, or null.
 * Shape repair is the identity on such records, so later rounds of
 * `standardizeRecord` skip it; anything doubtful takes the full repair path.
 */
export function fromStrict(raw: unknown): Work | null {
  if (!isObj(raw)) return null;
  const keys = Object.keys(raw);
  if (keys.length !== 4) return null;
  const w: Work = { opacity_vs_clear: new Map(), entity: new Map(), uncertain_entity: new Map(), no_entity: [] };
  for (const catName of CATEGORIES) {
    const c = raw[catName];
    if (!isObj(c)) return null;
    const names = Object.keys(c);
    if (names.length > LIMITS.items) return null;
    for (const name of names) {
      if (cleanTerm(name) !== name || name === '' || DROP_NAMES.has(name)) return null;
      const a = c[name];
      if (!isObj(a) || Object.keys(a).length !== 3) return null;
      const { location, level, type } = a;
      if (!cleanAttrValue(location) || !cleanAttrValue(level) || !cleanAttrValue(type)) return null;
      w[catName].set(name, {
        location: location as string | null,
        level: level as string | null,
        type: type as string | null,
      });
    }
  }
  const ne = raw.no_entity;
  if (!Array.isArray(ne) || ne.length > LIMITS.items) return null;
  const seen = new Set<string>();
  for (const item of ne) {
    if (typeof item !== 'string' || item === '' || item.includes(',') || cleanTerm(item) !== item || seen.has(item))
      return null;
    seen.add(item);
    w.no_entity.push(item);
  }
  return w;
}

function cleanAttrValue(v: unknown): boolean {
  if (v === null) return true;
  if (typeof v !== 'string' || v === '' || v.includes(':') || v.length > LIMITS.attrChars) return false;
  return cleanTerm(v, LIMITS.attrChars) === v;
}

export function repairRecord(raw: unknown, ctx: StandardizeContext, log: ChangeLog): Work {
  const r: Obj = isObj(raw) ? raw : {};
  if (!isObj(raw)) log.add('shape_repair', '', preview(raw), {}, '§9.1 record is not an object');
  return {
    opacity_vs_clear: repairCategory('opacity_vs_clear', r.opacity_vs_clear, ctx, log),
    entity: repairCategory('entity', r.entity, ctx, log),
    uncertain_entity: repairCategory('uncertain_entity', r.uncertain_entity, ctx, log),
    no_entity: repairNoEntity(r.no_entity),
  };
}
