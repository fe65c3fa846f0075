import fs from 'node:fs';
import { z } from 'zod';
import { normalizeId } from '../ingest/record.js';
import { EMPTY_ATTRS, type Attrs, type StrictKeyInfo } from '../schemas/keyinfo.js';
import { DEFAULT_STYLE, type Style } from '../schemas/style.js';
import { refEntityAttrs } from '../rules/toKeyInfo.js';
import { UserError } from '../util/errors.js';
import { fieldProblem, mapJsonLines } from '../util/jsonl.js';
import type { RulePlaces } from './prepare.js';

/**
 * A KeyInfo file in the layout the original question generation reads: a JSON list (or JSONL) of
 * `{study_id, subject_id, opacity_vs_clear, entity, uncertain_entity, no_entity}`, entity values
 * being `{location, level, type}` (each a string or null). Records in MIMIC-Diff-VQA's rule-based
 * layout (word lists, `post_location`, a second instance in `location2`..., as a run's
 * `artifacts/reference.jsonl`) are read too: their KeyInfo is what `extract --backend rules` makes
 * of them, and their places are kept for the paired layout's generators.
 */
export interface KeyInfoFileRecord {
  study_id: string;
  subject_id: string;
  keyinfo: StrictKeyInfo;
  /** Rule-based layout only: each entity's places before folding. */
  places?: Record<string, RulePlaces>;
}

/** A string, or a word list (rule-based layout) joined with spaces; blank → null. */
const Value = z
  .union([z.string(), z.array(z.string())])
  .nullable()
  .optional()
  .transform((v) => {
    const t = Array.isArray(v) ? v.join(' ') : v;
    return t === undefined || t === null || t.trim() === '' ? null : t;
  });
const RULE_FIELDS = ['post_location', 'location2', 'type2', 'level2', 'post_location2'] as const;
const AttrsIn = z.object({
  location: Value,
  level: Value,
  type: Value,
  post_location: Value,
  location2: Value,
  type2: Value,
  level2: Value,
  post_location2: Value,
});
type AttrsRead = z.infer<typeof AttrsIn>;
const Id = z.union([z.string().trim().min(1), z.number().int().nonnegative()]).transform((v) => normalizeId(String(v)));
const RecordIn = z.object({
  study_id: Id,
  subject_id: Id,
  opacity_vs_clear: z.record(z.string(), AttrsIn).default({}),
  entity: z.record(z.string(), AttrsIn),
  uncertain_entity: z.union([z.record(z.string(), AttrsIn), z.array(z.string())]).default({}),
  no_entity: z.array(z.string()),
});

const HINT =
  'Each record needs study_id, subject_id, entity ({name: {location, level, type}}) and no_entity (a list of names); opacity_vs_clear and uncertain_entity may be {}.';

const attrsOnly = (a: AttrsRead): Attrs => ({ location: a.location, level: a.level, type: a.type });
const words = (v: string | null) => (v === null ? [] : [v]);
const wordsOrNull = (v: string | null) => (v === null ? null : [v]);

/** A rule-based entity's places, and its KeyInfo attributes as `extract --backend rules` folds them. */
function fromRules(name: string, a: AttrsRead, style: Style): { attrs: Attrs; places: RulePlaces } {
  const attrs = refEntityAttrs(
    {
      entity_name: name,
      location: words(a.location),
      type: words(a.type),
      level: words(a.level),
      post_location: a.post_location,
      location2: wordsOrNull(a.location2),
      type2: wordsOrNull(a.type2),
      level2: wordsOrNull(a.level2),
      post_location2: a.post_location2,
      evidence: [],
    },
    style,
  );
  const second = [a.location2, a.type2, a.level2, a.post_location2].some((v) => v !== null);
  return {
    attrs,
    places: {
      location: a.location,
      level: a.level,
      type: a.type,
      post: a.post_location,
      location2: a.location2,
      second,
    },
  };
}

function toRecord(value: unknown, where: string, style: Style): KeyInfoFileRecord {
  const r = RecordIn.safeParse(value);
  if (!r.success) throw new UserError(`${where}: ${fieldProblem(r.error)}`, HINT);
  const d = r.data;
  // A record is rule-based when any entity names a rule-only field (null counts: the layout has them all).
  const ruleBased = Object.values((value as { entity?: Record<string, object> }).entity ?? {}).some(
    (a) => a !== null && typeof a === 'object' && RULE_FIELDS.some((f) => f in a),
  );
  const entity: Record<string, Attrs> = {};
  const places: Record<string, RulePlaces> = {};
  for (const [name, a] of Object.entries(d.entity)) {
    if (!ruleBased) entity[name] = attrsOnly(a);
    else ({ attrs: entity[name], places: places[name] } = fromRules(name, a, style));
  }
  const uncertain = Array.isArray(d.uncertain_entity)
    ? Object.fromEntries(d.uncertain_entity.map((n) => [n, { ...EMPTY_ATTRS }]))
    : Object.fromEntries(Object.entries(d.uncertain_entity).map(([n, a]) => [n, attrsOnly(a)]));
  const { clear } = d.opacity_vs_clear;
  // Rule-based records report an opacity finding under opacity_vs_clear too (as the rules backend does).
  const opacity = d.opacity_vs_clear.opacity
    ? attrsOnly(d.opacity_vs_clear.opacity)
    : ruleBased
      ? entity['opacity']
      : undefined;
  return {
    study_id: d.study_id,
    subject_id: d.subject_id,
    keyinfo: {
      opacity_vs_clear: { ...(opacity ? { opacity } : {}), ...(clear ? { clear: attrsOnly(clear) } : {}) },
      entity,
      uncertain_entity: uncertain,
      no_entity: d.no_entity,
    },
    ...(ruleBased ? { places } : {}),
  };
}

const lineAt = (text: string, offset: number) => text.slice(0, offset).split('\n').length;

/** Reads a JSON list or JSONL KeyInfo file; the first bad record stops it with its line (or index) and field. */
export function readKeyInfoFile(file: string, style: Style = DEFAULT_STYLE): KeyInfoFileRecord[] {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile())
    throw new UserError(`KeyInfo file not found: ${file}`, 'Give --keyinfo a JSON list or JSONL file.');
  const text = fs.readFileSync(file, 'utf8');
  const first = text.trimStart()[0];
  if (first === undefined) throw new UserError(`${file} is empty.`, HINT);
  if (first === '[') {
    let list: unknown;
    try {
      list = JSON.parse(text);
    } catch (err) {
      const at = /position (\d+)/.exec((err as Error).message);
      const line = at ? ` (line ${lineAt(text, Number(at[1]))})` : '';
      throw new UserError(`${file}${line}: not valid JSON: ${(err as Error).message}`, HINT);
    }
    return oneLayout((list as unknown[]).map((v, i) => toRecord(v, `${file} record ${i + 1}`, style)));
  }
  return oneLayout(mapJsonLines(file, text, (value, line) => toRecord(value, `${file} line ${line}`, style), HINT));
}

/** A file is in one layout: when any record is rule-based, so is a record without findings. */
function oneLayout(records: KeyInfoFileRecord[]): KeyInfoFileRecord[] {
  if (!records.some((r) => r.places)) return records;
  return records.map((r) => (r.places ? r : { ...r, places: {} }));
}
