import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { assembleText } from './columns.js';
import { issue, KNOWN_FIELDS, makeRecord, normalizeId, type SourceItem, type SourceOptions, type StudyMeta } from './record.js';
import { checkReportText } from './text.js';

/**
 * JSONL: one object per line with `study_id` and `text` (or `findings` /
 * `impression`), plus any of the metadata fields; other keys go to `extra`.
 */
const TEXT_KEYS = new Set(['text', 'findings', 'impression']);
const KNOWN = new Set<string>(KNOWN_FIELDS);

function str(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const s = typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : JSON.stringify(v);
  return s === '' ? null : s;
}

export function objectToItem(obj: unknown, source: string, opts: SourceOptions): SourceItem {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return { kind: 'issue', issue: issue(source, source, 'malformed_row', 'the line is not a JSON object') };
  const o = obj as Record<string, unknown>;
  const id = normalizeId(str(o.study_id) ?? '');
  if (!id) return { kind: 'issue', issue: issue(source, source, 'malformed_row', 'no study_id') };
  if (opts.isDone(id)) return { kind: 'resumed', study_id: id, source };
  let raw: string;
  if (typeof o.text === 'string') raw = o.text;
  else raw = assembleText(['findings', 'impression'].filter((k) => typeof o[k] === 'string').map((k) => ({ column: k, value: o[k] as string })), true);
  const checked = checkReportText(raw, opts.maxReportBytes);
  if (!checked.ok) return { kind: 'issue', issue: issue(id, source, checked.problem.reason, checked.problem.detail) };
  const order = typeof o.study_order === 'number' ? o.study_order : Number(str(o.study_order) ?? NaN);
  const extra: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) if (!KNOWN.has(k) && !TEXT_KEYS.has(k)) extra[k] = str(v) ?? '';
  const meta: StudyMeta = {
    study_id: id,
    subject_id: normalizeId(str(o.subject_id) ?? ''),
    dicom_id: str(o.dicom_id),
    view: str(o.view),
    study_order: Number.isFinite(order) ? order : null,
    study_date: str(o.study_date),
    split: str(o.split),
    extra,
  };
  return { kind: 'record', record: makeRecord(meta, checked.text, source), warnings: checked.warnings.map((w) => issue(id, source, w.reason, w.detail, false)) };
}

export async function* jsonlItems(file: string, opts: SourceOptions): AsyncGenerator<SourceItem> {
  const base = path.basename(file);
  const rl = readline.createInterface({ input: fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 }), crlfDelay: Infinity });
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
      yield { kind: 'issue', issue: issue(source, source, 'malformed_row', `line ${line}: invalid JSON (${(err as Error).message})`) };
      continue;
    }
    yield objectToItem(obj, source, opts);
  }
  rl.close();
}
