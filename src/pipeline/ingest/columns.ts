import { UserError } from '../util/errors.js';
import { KNOWN_FIELDS } from './record.js';

/**
 * Which CSV columns feed which record fields. `text` may name several columns;
 * their non-empty values are joined as `COLUMN: value` paragraphs so section
 * selection (§2) finds `FINDINGS:` / `IMPRESSION:` as in a MIMIC report.
 */
export interface ColumnPlan {
  fields: Partial<Record<Field, string[]>>;
  /** Columns not used by any field, kept in `extra`. */
  extra: string[];
  /** Human-readable description, for the log. */
  describe: string;
}

export const FIELDS = [...KNOWN_FIELDS, 'text'] as const;
export type Field = (typeof FIELDS)[number];

/** The Indiana University / Open-i layout: `uid, MeSH, Problems, image, indication, comparison, findings, impression`. */
export function isIndianaHeader(header: readonly string[]): boolean {
  const lower = new Set(header.map((h) => h.toLowerCase()));
  return ['uid', 'findings', 'impression'].every((c) => lower.has(c));
}

function pick(header: readonly string[], ...names: string[]): string | undefined {
  for (const n of names) {
    const hit = header.find((h) => h.toLowerCase() === n);
    if (hit !== undefined) return hit;
  }
  return undefined;
}

function defaults(header: readonly string[]): Partial<Record<Field, string[]>> {
  const out: Partial<Record<Field, string[]>> = {};
  if (isIndianaHeader(header)) {
    const uid = pick(header, 'uid')!;
    out.study_id = [uid];
    // Open-i has one report per patient; the uid is the best subject key there is.
    out.subject_id = [uid];
    out.text = ['indication', 'comparison', 'findings', 'impression']
      .map((c) => pick(header, c))
      .filter((c): c is string => c !== undefined);
    return out;
  }
  const id = pick(header, 'study_id', 'uid', 'id');
  if (id) out.study_id = [id];
  const text = pick(header, 'text', 'report');
  if (text) out.text = [text];
  else {
    const parts = ['findings', 'impression'].map((c) => pick(header, c)).filter((c): c is string => c !== undefined);
    if (parts.length) out.text = parts;
  }
  for (const f of KNOWN_FIELDS) {
    if (f === 'study_id') continue;
    const col = pick(header, f);
    if (col) out[f] = [col];
  }
  return out;
}

export function planColumns(
  header: readonly string[],
  mapping: Readonly<Record<string, string>>,
  file: string,
): ColumnPlan {
  const fields = defaults(header);
  for (const [field, spec] of Object.entries(mapping)) {
    if (!(FIELDS as readonly string[]).includes(field)) {
      throw new UserError(`Unknown column mapping field "${field}" for ${file}.`, `Fields: ${FIELDS.join(', ')}.`);
    }
    const cols = spec
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean);
    const missing = cols.filter((c) => !header.includes(c));
    if (missing.length || cols.length === 0) {
      throw new UserError(
        `Column mapping ${field}=${spec}: ${missing.length ? `no column ${missing.map((m) => `"${m}"`).join(', ')}` : 'no column named'} in ${file}.`,
        `Columns: ${header.join(', ')}.`,
      );
    }
    fields[field as Field] = cols;
  }
  if (!fields.study_id)
    throw new UserError(
      `Cannot tell which column of ${file} holds the study id.`,
      `Pass --column study_id=COLUMN. Columns: ${header.join(', ')}.`,
    );
  if (!fields.text?.length)
    throw new UserError(
      `Cannot tell which column(s) of ${file} hold the report text.`,
      `Pass --column text=COLUMN[,COLUMN]. Columns: ${header.join(', ')}.`,
    );
  const used = new Set(Object.values(fields).flat());
  const extra = header.filter((h) => h !== '' && !used.has(h));
  const describe = Object.entries(fields)
    .map(([f, cols]) => `${f}=${cols!.join(',')}`)
    .join(' ');
  return { fields, extra, describe };
}

/** Join text parts; a single mapped column is used as it is unless `label` asks for its header. */
export function assembleText(parts: readonly { column: string; value: string }[], label = false): string {
  if (parts.length === 1 && !label) return parts[0]!.value;
  return parts
    .filter((p) => p.value.trim() !== '')
    .map((p) => `${p.column.toUpperCase()}: ${p.value.trim()}`)
    .join('\n\n');
}
