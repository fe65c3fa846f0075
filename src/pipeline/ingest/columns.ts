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
export type ColumnGuess = Partial<Record<Field, string[]>>;

/** The fields a person maps for their own file, in the order the wizard asks for them. */
export const MAPPED_FIELDS = [
  { field: 'study_id', label: 'study id', required: true },
  { field: 'text', label: 'report text', required: true },
  { field: 'subject_id', label: 'subject (patient)', required: false },
  { field: 'study_date', label: 'date', required: false },
  { field: 'study_order', label: 'order', required: false },
  { field: 'view', label: 'view', required: false },
] as const satisfies ReadonlyArray<{ field: Field; label: string; required: boolean }>;

/** The Indiana University / Open-i layout: `uid, MeSH, Problems, image, indication, comparison, findings, impression`. */
export function isIndianaHeader(header: readonly string[]): boolean {
  const lower = new Set(header.map((h) => h.toLowerCase()));
  return ['uid', 'findings', 'impression'].every((c) => lower.has(c));
}

/** `Report ID` → `report id`; `studyDate` → `study date`: the words a header is made of. */
function words(h: string): string {
  return h
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

// Per field, header word patterns in order of preference (the first matching column wins).
const HINTS: Record<Exclude<Field, 'text'>, RegExp[]> = {
  study_id: [
    /^study id$/,
    /^uid$/,
    /^id$/,
    /^(report|study|exam|examination|accession) (id|no|number|uid)$/,
    /^accession$/,
    /^(report|study|exam) ?id\b/,
  ],
  subject_id: [
    /^subject id$/,
    /^(subject|patient|patient id|subject no|mrn|pid|patient no|patient number)$/,
    /\b(patient|subject)\b/,
  ],
  dicom_id: [/^dicom id$/, /\bdicom\b/],
  view: [/^view$/, /^(views|view position|projection|projections|viewposition)$/, /\b(view|projection)s?\b/],
  study_order: [/^study order$/, /^(order|sequence|seq|visit)$/, /\border\b/],
  study_date: [/^study date$/, /^(date|exam date|study datetime|datetime)$/, /\bdate\b/, /\btime\b/],
  split: [/^split$/, /^(fold|subset)$/],
};
const TEXT_HINTS = [/^(text|report|report text|full text|narrative)$/, /\b(text|narrative)\b/];

function find(header: readonly string[], patterns: readonly RegExp[], taken: Set<string>): string | undefined {
  for (const p of patterns) {
    const hit = header.find((h) => !taken.has(h) && p.test(words(h)));
    if (hit !== undefined) return hit;
  }
  return undefined;
}

/** Best guess of the column mapping from a header alone (what the wizard fills in, and the defaults). */
export function guessColumns(header: readonly string[]): ColumnGuess {
  const out: ColumnGuess = {};
  const taken = new Set<string>();
  const take = (field: Field, cols: string[]) => {
    if (!cols.length) return;
    out[field] = cols;
    cols.forEach((c) => taken.add(c));
  };
  const exact = (name: string) => header.find((h) => words(h) === name);
  if (isIndianaHeader(header)) {
    const uid = exact('uid')!;
    take('study_id', [uid]);
    // Open-i has one report per patient; the uid is the best subject key there is.
    out.subject_id = [uid];
    take(
      'text',
      ['indication', 'comparison', 'findings', 'impression'].map(exact).filter((c): c is string => c !== undefined),
    );
    // Open-i's `image` column describes the exam's films ("Xray Chest PA and Lateral").
    const image = exact('image');
    if (image) take('view', [image]);
    return out;
  }
  // Ids first, so "Report ID" is not read as report text.
  const id = find(header, HINTS.study_id, taken);
  if (id) take('study_id', [id]);
  const sections = ['findings', 'impression'].map(exact).filter((c): c is string => c !== undefined);
  const text = find(header, TEXT_HINTS, taken);
  if (text) take('text', [text]);
  else if (sections.length) take('text', sections);
  else {
    // "Findings text", "Impression (final)": any column named after a report section.
    const named = header.filter((h) => !taken.has(h) && /\b(findings|impression)\b/.test(words(h)));
    take('text', named);
  }
  for (const f of ['subject_id', 'study_date', 'study_order', 'view', 'dicom_id', 'split'] as const) {
    const col = find(header, HINTS[f], taken);
    if (col) take(f, [col]);
  }
  return out;
}

/** A mapping value meaning "no column for this field", overriding a guess (`--column view=-`). */
const NO_COLUMN = '-';

/** Split `a,b` into column names. */
export function splitColumns(spec: string): string[] {
  return spec
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
}

/**
 * Problems with a mapping over a header, all of them (unknown fields, named columns
 * the file lacks, required fields nobody maps), so one message can name every one.
 */
export function mappingProblems(
  fields: ColumnGuess,
  mapping: Readonly<Record<string, string>>,
  header: readonly string[],
): string[] {
  const problems: string[] = [];
  for (const [field, spec] of Object.entries(mapping)) {
    if (!(FIELDS as readonly string[]).includes(field)) {
      problems.push(`unknown field "${field}" (fields: ${FIELDS.join(', ')})`);
      continue;
    }
    if (spec.trim() === NO_COLUMN) {
      if (field === 'study_id' || field === 'text') problems.push(`${field}: a column is required`);
      continue;
    }
    const cols = splitColumns(spec);
    const missing = cols.filter((c) => !header.includes(c));
    if (cols.length === 0) problems.push(`${field}: no column named`);
    else if (missing.length) problems.push(`${field}: no column ${missing.map((m) => `"${m}"`).join(', ')}`);
  }
  if (!fields.study_id?.length && !('study_id' in mapping))
    problems.push('study_id: no column guessed (--column study_id=COLUMN)');
  if (!fields.text?.length && !('text' in mapping))
    problems.push('text: no column guessed (--column text=COLUMN[,COLUMN])');
  return problems;
}

export function planColumns(
  header: readonly string[],
  mapping: Readonly<Record<string, string>>,
  file: string,
): ColumnPlan {
  const fields = guessColumns(header);
  const problems = mappingProblems(fields, mapping, header);
  if (problems.length)
    throw new UserError(
      `The column mapping does not fit ${file}: ${problems.join('; ')}.`,
      `Columns in ${file}: ${header.map((h) => `"${h}"`).join(', ')}. Set them with --column field=COLUMN.`,
    );
  for (const [field, spec] of Object.entries(mapping)) {
    if (spec.trim() === NO_COLUMN) delete fields[field as Field];
    else fields[field as Field] = splitColumns(spec);
  }
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
