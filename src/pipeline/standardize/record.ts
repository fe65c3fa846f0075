import { emptyKeyInfo, type Attrs, type StrictKeyInfo } from '../schemas/keyinfo.js';
import { ChangeLog, preview, type Change } from './changes.js';
import type { StandardizeContext } from './context.js';
import { filterTerms } from './filter.js';
import { mapNames } from './names.js';
import { CATEGORIES, fromStrict, repairRecord, type Cat, type Work } from './shape.js';
import { fixSpecialFindings } from './special.js';

export interface StandardizeResult {
  keyinfo: StrictKeyInfo;
  changes: Change[];
  /** Set only if an internal invariant broke; the keyinfo is then empty and the study must be reported, not hidden. */
  error?: string;
}

export interface StandardizeOptions {
  /** Collect the change log (off for the counting pass). */
  log?: boolean;
}

/** Rounds of the whole pipeline until the output stops changing; real records settle in 1–2. */
const MAX_ROUNDS = 6;

/**
 * docs/method.md §9 over one record. Pure and total: any JSON value in, a strict
 * KeyInfo out. The steps are repeated until the record is a fixed point, so
 * standardizing an already standardized record changes nothing.
 */
export function standardizeRecord(
  raw: unknown,
  ctx: StandardizeContext,
  opts: StandardizeOptions = {},
): StandardizeResult {
  const log = new ChangeLog(opts.log ?? true);
  try {
    let current = once(raw, ctx, log, true);
    for (let round = 1; round < MAX_ROUNDS; round++) {
      const next = once(current, ctx, log, false);
      if (sameKeyInfo(next, current)) break;
      current = next;
    }
    const problem = recheck(current);
    if (problem) throw new Error(`re-check failed: ${problem}`);
    return { keyinfo: current, changes: log.changes };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log.add('shape_repair', '', preview(raw, 500), emptyKeyInfo(), `internal error: ${message}`);
    return { keyinfo: emptyKeyInfo(), changes: log.changes, error: message };
  }
}

/** Shape repair, re-check, name mapping, special findings, term filtering (§9 steps 1–5). */
function once(raw: unknown, ctx: StandardizeContext, log: ChangeLog, logShape: boolean): StrictKeyInfo {
  const w = (logShape ? null : fromStrict(raw)) ?? repairRecord(raw, ctx, log);
  if (logShape && log.enabled) logShapeRepairs(raw, w, log);
  mapNames(w, ctx, log);
  fixSpecialFindings(w, log);
  filterTerms(w, ctx, log);
  return toStrict(w);
}

function catObject(cat: Cat): Record<string, Attrs> {
  const o: Record<string, Attrs> = {};
  for (const [k, a] of cat) {
    const v = { location: a.location, level: a.level, type: a.type };
    // defineProperty keeps a name like "__proto__" an own data property instead of setting the prototype.
    if (k === '__proto__')
      Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
    else o[k] = v;
  }
  return o;
}

export function toStrict(w: Work): StrictKeyInfo {
  return {
    opacity_vs_clear: catObject(w.opacity_vs_clear) as StrictKeyInfo['opacity_vs_clear'],
    entity: catObject(w.entity),
    uncertain_entity: catObject(w.uncertain_entity),
    no_entity: [...w.no_entity],
  };
}

function logShapeRepairs(raw: unknown, w: Work, log: ChangeLog): void {
  const r = (typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
  for (const cat of CATEGORIES) {
    if ((r[cat] === undefined || r[cat] === null) && w[cat].size === 0) continue;
    if (!sameCat(r[cat], w[cat]))
      log.add('shape_repair', cat, preview(r[cat] ?? null), catObject(w[cat]), '§9.1 shape repair');
  }
  if ((r.no_entity === undefined || r.no_entity === null) && w.no_entity.length === 0) return;
  if (!(
    Array.isArray(r.no_entity) &&
    r.no_entity.length === w.no_entity.length &&
    r.no_entity.every((v, i) => v === w.no_entity[i])
  ))
    log.add('shape_repair', 'no_entity', preview(r.no_entity ?? null), [...w.no_entity], '§9.1 shape repair');
}

/** Whether a raw category already was exactly the repaired one (same names, order and attributes). */
function sameCat(raw: unknown, cat: Cat): boolean {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return false;
  const keys = Object.keys(raw);
  if (keys.length !== cat.size) return false;
  let i = 0;
  for (const [name, a] of cat) {
    if (keys[i++] !== name) return false;
    const v = (raw as Record<string, unknown>)[name] as Record<string, unknown> | null;
    if (typeof v !== 'object' || v === null || Object.keys(v).length !== 3) return false;
    if (v.location !== a.location || v.level !== a.level || v.type !== a.type) return false;
  }
  return true;
}

/** Same names in the same order with the same attributes, and the same no_entity list. */
function sameKeyInfo(a: StrictKeyInfo, b: StrictKeyInfo): boolean {
  for (const cat of CATEGORIES) {
    const x = a[cat] as Record<string, Attrs>;
    const y = b[cat] as Record<string, Attrs>;
    const kx = Object.keys(x);
    const ky = Object.keys(y);
    if (kx.length !== ky.length) return false;
    for (let i = 0; i < kx.length; i++) {
      const k = kx[i]!;
      if (k !== ky[i]) return false;
      const p = x[k]!;
      const q = y[k]!;
      if (p.location !== q.location || p.level !== q.level || p.type !== q.type) return false;
    }
  }
  return a.no_entity.length === b.no_entity.length && a.no_entity.every((v, i) => v === b.no_entity[i]);
}

/** §9 steps 2 and 6: the strict shape, checked by hand because it runs for every record. */
export function recheck(k: StrictKeyInfo): string | null {
  for (const cat of CATEGORIES) {
    const c = k[cat] as Record<string, unknown>;
    for (const name of Object.keys(c)) {
      if (cat === 'opacity_vs_clear' && name !== 'opacity' && name !== 'clear')
        return `${cat}.${name} is not opacity/clear`;
      const a = c[name] as Record<string, unknown> | null;
      if (typeof a !== 'object' || a === null) return `${cat}.${name} is not a dict`;
      for (const att of ['location', 'level', 'type']) {
        const v = a[att];
        if (v !== null && typeof v !== 'string') return `${cat}.${name}.${att} is ${typeof v}`;
      }
    }
  }
  if (!Array.isArray(k.no_entity) || k.no_entity.some((x) => typeof x !== 'string'))
    return 'no_entity is not a list of strings';
  return null;
}
