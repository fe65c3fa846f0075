import type { Attrs } from '../schemas/keyinfo.js';
import type { StandardizeContext } from './context.js';
import { combine, LEVEL_INDEX, LOCATION_INDEX, normText, tokens, TYPE_INDEX } from './words.js';

/** Limits that keep one pathological record from costing more than a normal one by orders of magnitude. */
export const LIMITS = { depth: 24, termChars: 200, attrChars: 500, items: 500 } as const;

export type Json = unknown;
export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function emptyAttrs(): Attrs {
  return { location: null, level: null, type: null };
}

/** Normalise a term (name or attribute word); "" → "". Huge strings are cut before any regex runs. */
export function cleanTerm(s: string, max: number = LIMITS.termChars): string {
  if (s.length <= max && isClean(s)) return s;
  const cut = s.length > max * 4 ? s.slice(0, max * 4) : s;
  let t = normText(cut.replace(/\(\s*\)/g, ' '));
  if (t.length > max) t = t.slice(0, max).trim();
  return t;
}

/** Already normalised (the common case): no upper case, no "(", no leading, trailing, double or non-space whitespace. */
function isClean(s: string): boolean {
  let prevSpace = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 32) {
      if (prevSpace) return false;
      prevSpace = true;
    } else {
      if ((c >= 65 && c <= 90) || c === 40 || c < 32 || c > 126) return false;
      prevSpace = false;
    }
  }
  return !prevSpace || s.length === 0;
}

function cleanAttr(s: string): string | null {
  const t = cleanTerm(s.replace(/:/g, ' '), LIMITS.attrChars);
  return t === '' ? null : t;
}

/** Severity and kind words named in docs/method.md §3, known even before any dictionary exists. */
const SEED_LEVELS = new Set([
  'small',
  'mild',
  'moderate',
  'severe',
  'large',
  'acute',
  'healed',
  'minimal',
  'low',
  'trace',
  'tiny',
  'mildly',
  'moderately',
  'severely',
  'larger',
  'smaller',
]);
const SEED_TYPES = new Set([
  'layering',
  'patchy',
  'compressive',
  'chronic',
  'interstitial',
  'subcutaneous',
  'pericardial',
  'mucosal',
  'hilar',
  'linear',
  'loculated',
]);

export type AttrName = 'location' | 'level' | 'type';

/** Which attribute a free word belongs to, by dictionary membership of the word or one of its words. */
export function classifyWord(word: string, ctx: StandardizeContext): AttrName | null {
  const w = tokens(word);
  if (ctx.locations.has(word) || LOCATION_INDEX.find(w)) return 'location';
  if (ctx.levels.has(word) || SEED_LEVELS.has(word) || w.some((t) => ctx.levels.has(t) || SEED_LEVELS.has(t)))
    return 'level';
  if (
    ctx.types.has(word) ||
    SEED_TYPES.has(word) ||
    TYPE_INDEX.find(w) ||
    w.some((t) => ctx.types.has(t) || SEED_TYPES.has(t))
  )
    return 'type';
  if (w.some((t) => ctx.locations.has(t))) return 'location';
  return null;
}

function isHigh(word: string, set: ReadonlySet<string>, index?: typeof LEVEL_INDEX): boolean {
  if (set.has(word)) return true;
  if (index && index.find(tokens(word), (m) => m.start === 0 && m.end === tokens(word).length)) return true;
  return false;
}

/** `"k: v, k2: v2"` → `{k: v, k2: v2}`; a part without a colon keeps the whole string (colons become spaces). */
export function parseColonString(s: string): Obj | string {
  const out: Obj = {};
  for (const part of s.split(',')) {
    const at = part.indexOf(':');
    if (at < 0) return s.replace(/:/g, ' ');
    const k = part.slice(0, at).trim();
    if (k === '') return s.replace(/:/g, ' ');
    out[k] = part
      .slice(at + 1)
      .replace(/:/g, ' ')
      .trim();
  }
  return out;
}

interface Spill {
  level: string[];
  type: string[];
}

/** One attribute value of any shape → string|null; a location dict can spill level/type words. */
export function attrValue(att: AttrName, v: Json, depth: number, ctx: StandardizeContext, spill: Spill): string | null {
  if (depth > LIMITS.depth) return null;
  if (typeof v === 'string') {
    if (v.includes(':')) {
      const parsed = parseColonString(v.length > LIMITS.attrChars * 4 ? v.slice(0, LIMITS.attrChars * 4) : v);
      return typeof parsed === 'string' ? cleanAttr(parsed) : attrValue(att, parsed, depth + 1, ctx, spill);
    }
    return cleanAttr(v);
  }
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : null;
  if (Array.isArray(v)) {
    let out: string | null = null;
    const n = Math.min(v.length, LIMITS.items);
    for (let i = 0; i < n; i++) out = combine(out, attrValue(att, v[i], depth + 1, ctx, spill), ctx.listSep);
    return capAttr(out);
  }
  if (isObj(v)) return att === 'location' ? locationDict(v, depth, ctx, spill) : wordDict(att, v, depth, ctx, spill);
  return null; // null, booleans
}

function capAttr(s: string | null): string | null {
  if (s === null || s.length <= LIMITS.attrChars) return s;
  return s.slice(0, LIMITS.attrChars).trim() || null;
}

/** `{place: level-or-type}` → places joined into location; high-frequency level/type values move out (§9.1). */
function locationDict(d: Obj, depth: number, ctx: StandardizeContext, spill: Spill): string | null {
  let loc: string | null = null;
  let n = 0;
  for (const key of Object.keys(d)) {
    if (++n > LIMITS.items) break;
    if (key === 'number') continue;
    const k = cleanAttr(key);
    const val = d[key];
    if (isObj(val) && ('level' in val || 'type' in val || 'location' in val)) {
      // The original's "case 1": per-place attributes move up a level.
      loc = combine(loc, k, ctx.listSep);
      const inner = attrsOf(val, depth + 1, ctx);
      loc = combine(loc, inner.location, ctx.listSep);
      if (inner.level) spill.level.push(inner.level);
      if (inner.type) spill.type.push(inner.type);
      continue;
    }
    const s = attrValue('location', val, depth + 1, ctx, spill);
    if (s !== null && isHigh(s, ctx.highLevels, LEVEL_INDEX)) {
      loc = combine(loc, k, ctx.listSep);
      spill.level.push(s);
    } else if (s !== null && isHigh(s, ctx.highTypes, TYPE_INDEX)) {
      loc = combine(loc, k, ctx.listSep);
      spill.type.push(s);
    } else {
      loc = combine(loc, k === null ? s : s === null ? k : `${k} ${s}`, ctx.listSep);
    }
  }
  return capAttr(loc);
}

/** A level/type given as a dict: "key value" pairs joined with spaces, as the original did. */
function wordDict(att: AttrName, d: Obj, depth: number, ctx: StandardizeContext, spill: Spill): string | null {
  const parts: string[] = [];
  let n = 0;
  for (const key of Object.keys(d)) {
    if (++n > LIMITS.items) break;
    const k = cleanAttr(key);
    const s = attrValue(att, d[key], depth + 1, ctx, spill);
    const piece = [k, s].filter((x): x is string => x !== null).join(' ');
    if (piece) parts.push(piece);
  }
  return capAttr(parts.length ? cleanAttr(parts.join(' ')) : null);
}

/** `{location, level, type}` of any shapes → strict Attrs. */
export function attrsOf(d: Obj, depth: number, ctx: StandardizeContext): Attrs {
  const spill: Spill = { level: [], type: [] };
  const location = 'location' in d ? attrValue('location', d.location, depth + 1, ctx, spill) : null;
  let level = 'level' in d ? attrValue('level', d.level, depth + 1, ctx, spill) : null;
  let type = 'type' in d ? attrValue('type', d.type, depth + 1, ctx, spill) : null;
  for (const s of spill.level) level = combine(level, s, ctx.listSep);
  for (const s of spill.type) type = combine(type, s, ctx.listSep);
  return { location, level: capAttr(level), type: capAttr(type) };
}

/** Words of unknown role sorted into attributes by dictionary membership; unknown words are kept as locations. */
export function attrsFromWords(words: readonly string[], ctx: StandardizeContext): Attrs {
  const a = emptyAttrs();
  for (const raw of words) {
    const w = cleanAttr(raw);
    if (w === null) continue;
    const role = classifyWord(w, ctx) ?? 'location';
    a[role] = capAttr(combine(a[role], w));
  }
  return a;
}

export function mergeAttrs(into: Attrs, from: Attrs): void {
  into.location = capAttr(combine(into.location, from.location));
  into.level = capAttr(combine(into.level, from.level));
  into.type = capAttr(combine(into.type, from.type));
}
