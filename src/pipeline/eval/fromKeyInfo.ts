import type { Attrs } from '../schemas/keyinfo.js';
import { normalizeEntityName, type OfficialNameMap } from '../names/normalize.js';
import { emptyDoc, type EvalDoc } from './types.js';

function str(v: unknown): string | null {
  if (v === null || v === undefined || v === '') return null;
  if (Array.isArray(v)) return v.map(str).filter(Boolean).join(', ') || null;
  if (typeof v === 'object') return Object.keys(v as object).join(', ') || null;
  return String(v);
}

function attrsOf(v: unknown): Attrs {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    return { location: str(o.location), level: str(o.level), type: str(o.type) };
  }
  return { location: null, level: null, type: null };
}

/** Names of a category given as a dict, a list of strings/dicts, or a comma string (raw model output is lenient). */
function names(v: unknown): Array<[string, unknown]> {
  if (!v || v === 'error') return [];
  if (typeof v === 'string')
    return v
      .split(',')
      .map((s) => [s.trim(), null] as [string, unknown])
      .filter(([s]) => s);
  if (Array.isArray(v)) {
    return v.flatMap((item): Array<[string, unknown]> => {
      if (typeof item === 'string') return [[item, null]];
      if (item && typeof item === 'object') {
        const o = item as Record<string, unknown>;
        const n = o.entity_name ?? o.name ?? o.description;
        return typeof n === 'string' ? [[n, o]] : [];
      }
      return [];
    });
  }
  if (typeof v === 'object') return Object.entries(v as Record<string, unknown>);
  return [];
}

/**
 * A KeyInfo (strict or raw form) as an EvalDoc: entity names (plus an opacity
 * under opacity_vs_clear) are positives, uncertain_entity hedged, no_entity
 * negatives; every name normalized (official names, singular).
 */
export function keyInfoToDoc(ki: unknown, officialNames?: OfficialNameMap): EvalDoc {
  const doc = emptyDoc();
  if (!ki || typeof ki !== 'object') return doc;
  const o = ki as Record<string, unknown>;
  const norm = (n: string) => normalizeEntityName(n, officialNames);
  for (const [n, v] of names(o.entity)) {
    const name = norm(n);
    if (name && !doc.positive.has(name)) doc.positive.set(name, attrsOf(v));
  }
  const ovc = o.opacity_vs_clear;
  if (ovc && typeof ovc === 'object' && !Array.isArray(ovc) && 'opacity' in ovc) {
    const name = norm('opacity');
    if (!doc.positive.has(name)) doc.positive.set(name, attrsOf((ovc as Record<string, unknown>).opacity));
  }
  for (const [n] of names(o.uncertain_entity)) {
    const name = norm(n);
    if (name && !doc.positive.has(name)) doc.uncertain.add(name);
  }
  for (const [n] of names(o.no_entity)) {
    const name = norm(n);
    if (name && !doc.positive.has(name) && !doc.uncertain.has(name)) doc.negative.add(name);
  }
  return doc;
}
