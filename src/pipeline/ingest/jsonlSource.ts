import path from 'node:path';
import readline from 'node:readline';
import { UserError } from '../util/errors.js';
import { assembleText, FIELDS } from './columns.js';
import {
  issue,
  KNOWN_FIELDS,
  makeRecord,
  normalizeId,
  type SourceItem,
  type SourceOptions,
  type StudyMeta,
} from './record.js';
import { openMaybeGz } from './csvio.js';
import { checkReportText } from './text.js';
import { readView } from './views.js';

/**
 * JSONL: one object per line with `study_id` and `text` (or `findings` /
 * `impression`), plus any of the metadata fields; other keys go to `extra`.
 * Other key names are mapped with `--column field=key[,key]`, as for CSV.
 */
const TEXT_KEYS = new Set(['text', 'findings', 'impression']);
const KNOWN = new Set<string>(KNOWN_FIELDS);

function str(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const s = typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : JSON.stringify(v);
  return s === '' ? null : s;
}

export function objectToItem(obj: unknown, source: string, opts: SourceOptions): SourceItem {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj))
    return { kind: 'issue', issue: issue(source, source, 'malformed_row', 'the line is not a JSON object') };
  const o = obj as Record<string, unknown>;
  const id = normalizeId(str(o.study_id) ?? '');
  if (!id) return { kind: 'issue', issue: issue(source, source, 'malformed_row', 'no study_id') };
  if (opts.isDone(id)) return { kind: 'resumed', study_id: id, source };
  let raw: string;
  if (typeof o.text === 'string') raw = o.text;
  else
    raw = assembleText(
      ['findings', 'impression']
        .filter((k) => typeof o[k] === 'string')
        .map((k) => ({ column: k, value: o[k] as string })),
      true,
    );
  const checked = checkReportText(raw, opts.maxReportBytes);
  if (!checked.ok) return { kind: 'issue', issue: issue(id, source, checked.problem.reason, checked.problem.detail) };
  const order = typeof o.study_order === 'number' ? o.study_order : Number(str(o.study_order) ?? NaN);
  const extra: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) if (!KNOWN.has(k) && !TEXT_KEYS.has(k)) extra[k] = str(v) ?? '';
  const view = readView(str(o.view));
  Object.assign(extra, view.extra);
  const meta: StudyMeta = {
    study_id: id,
    subject_id: normalizeId(str(o.subject_id) ?? ''),
    dicom_id: str(o.dicom_id),
    view: view.view,
    study_order: Number.isFinite(order) ? order : null,
    study_date: str(o.study_date),
    split: str(o.split),
    extra,
  };
  return {
    kind: 'record',
    record: makeRecord(meta, checked.text, source),
    warnings: checked.warnings.map((w) => issue(id, source, w.reason, w.detail, false)),
  };
}

/**
 * Apply a `--column field=key[,key]` mapping to one object: mapped keys are read
 * under the field's name; several text keys are joined with their headers.
 */
export function mapKeys(
  o: Record<string, unknown>,
  mapping: Readonly<Record<string, string>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...o };
  for (const [field, spec] of Object.entries(mapping)) {
    const keys = spec
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean);
    if (field === 'text' && keys.length > 1) {
      out.text = assembleText(
        keys.filter((k) => typeof o[k] === 'string').map((k) => ({ column: k, value: o[k] as string })),
        true,
      );
    } else if (keys[0] !== undefined) {
      out[field] = o[keys[0]];
    }
    for (const k of keys) if (k !== field) delete out[k];
  }
  return out;
}

/** Check a mapping before any work: only known fields. */
export function checkJsonlMapping(mapping: Readonly<Record<string, string>>, file: string): void {
  for (const field of Object.keys(mapping)) {
    if (!(FIELDS as readonly string[]).includes(field))
      throw new UserError(`Unknown column mapping field "${field}" for ${file}.`, `Fields: ${FIELDS.join(', ')}.`);
  }
}

export async function* jsonlItems(
  file: string,
  opts: SourceOptions,
  mapping: Readonly<Record<string, string>> = {},
): AsyncGenerator<SourceItem> {
  const base = path.basename(file);
  const rl = readline.createInterface({
    input: openMaybeGz(file),
    crlfDelay: Infinity,
  });
  let line = 0;
  for await (const text of rl) {
    line++;
    if (opts.signal.aborted) break;
    if (text.trim() === '') continue;
    const source = `${base}:${line}`;
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch (err) {
      yield {
        kind: 'issue',
        issue: issue(source, source, 'malformed_row', `line ${line}: invalid JSON (${(err as Error).message})`),
      };
      continue;
    }
    const mapped =
      obj && typeof obj === 'object' && !Array.isArray(obj) && Object.keys(mapping).length
        ? mapKeys(obj as Record<string, unknown>, mapping)
        : obj;
    yield objectToItem(mapped, source, opts);
  }
  rl.close();
}
