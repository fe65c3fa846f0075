import fs from 'node:fs';
import { z } from 'zod';
import { normalizeId } from '../ingest/record.js';
import type { StrictKeyInfo } from '../schemas/keyinfo.js';
import { UserError } from '../util/errors.js';

/**
 * A KeyInfo file in the layout the original question generation reads: a JSON list (or JSONL) of
 * `{study_id, subject_id, opacity_vs_clear, entity, uncertain_entity, no_entity}`, entity values
 * being `{location, level, type}` (each a string or null).
 */
export interface KeyInfoFileRecord {
  study_id: string;
  subject_id: string;
  keyinfo: StrictKeyInfo;
}

const Value = z
  .string()
  .nullable()
  .optional()
  .transform((v) => (v === undefined || v === null || v.trim() === '' ? null : v));
const AttrsIn = z.object({ location: Value, level: Value, type: Value });
const Id = z.union([z.string().trim().min(1), z.number().int().nonnegative()]).transform((v) => normalizeId(String(v)));
const RecordIn = z.object({
  study_id: Id,
  subject_id: Id,
  opacity_vs_clear: z.record(z.string(), AttrsIn).default({}),
  entity: z.record(z.string(), AttrsIn),
  uncertain_entity: z.record(z.string(), AttrsIn).default({}),
  no_entity: z.array(z.string()),
});

const HINT =
  'Each record needs study_id, subject_id, entity ({name: {location, level, type}}) and no_entity (a list of names); opacity_vs_clear and uncertain_entity may be {}.';

function toRecord(value: unknown, where: string): KeyInfoFileRecord {
  const r = RecordIn.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const field = issue.path.length ? issue.path.join('.') : '(the record)';
    throw new UserError(`${where}: field ${field}: ${issue.message}`, HINT);
  }
  const { opacity, clear } = r.data.opacity_vs_clear;
  return {
    study_id: r.data.study_id,
    subject_id: r.data.subject_id,
    keyinfo: {
      opacity_vs_clear: { ...(opacity ? { opacity } : {}), ...(clear ? { clear } : {}) },
      entity: r.data.entity,
      uncertain_entity: r.data.uncertain_entity,
      no_entity: r.data.no_entity,
    },
  };
}

const lineAt = (text: string, offset: number) => text.slice(0, offset).split('\n').length;

/** Reads a JSON list or JSONL KeyInfo file; the first bad record stops it with its line (or index) and field. */
export function readKeyInfoFile(file: string): KeyInfoFileRecord[] {
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
    return (list as unknown[]).map((v, i) => toRecord(v, `${file} record ${i + 1}`));
  }
  const out: KeyInfoFileRecord[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new UserError(`${file} line ${i + 1}: not valid JSON: ${(err as Error).message}`, HINT);
    }
    out.push(toRecord(value, `${file} line ${i + 1}`));
  });
  return out;
}
