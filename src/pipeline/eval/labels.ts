import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { UserError } from '../util/errors.js';
import { normalizeEntityName, type OfficialNameMap } from '../names/normalize.js';
import { defaultLibs } from '../rules/libs.js';
import { duplicateIds, duplicateWarning, readCsvRows } from './csvRows.js';
import { emptyDoc, normalizeId, type EvalDoc, type EvalSet } from './types.js';

/**
 * Gold from a labels CSV (Indiana/Open-i `MeSH` or `Problems` column):
 * `;`-separated terms, each `Heading/qualifier/...`, mapped to entity names by
 * a mapping CSV (`term,entity,note`). A mapping term may carry qualifiers
 * (`Cardiac Shadow/enlarged`); the most specific term whose qualifiers all
 * appear wins. Empty entity = not a KeyInfo finding; `@exclude` = leave the
 * study out; `normal` maps to nothing (no positive finding).
 */
export interface LabelMapping {
  rules: Array<{ heading: string; qualifiers: string[]; entity: string }>;
  /** Entity names the mapping can produce (normalized). */
  targets: Set<string>;
}

export function loadMapping(file: string, names?: OfficialNameMap): LabelMapping {
  if (!fs.existsSync(file)) throw new UserError(`Mapping file ${file} not found.`);
  const rows = parse(fs.readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true, trim: true }) as Array<
    Record<string, string>
  >;
  if (rows.length && !('term' in rows[0]! && 'entity' in rows[0]!))
    throw new UserError(`Mapping file ${file} needs columns term,entity.`);
  const rules = rows.map((r) => {
    const [heading = '', ...qualifiers] = (r.term ?? '').split('/').map((s) => s.trim().toLowerCase());
    const e = (r.entity ?? '').trim();
    return { heading, qualifiers, entity: e.startsWith('@') ? e : e ? normalizeEntityName(e, names) : '' };
  });
  rules.sort((a, b) => b.qualifiers.length - a.qualifiers.length);
  const targets = new Set(rules.map((r) => r.entity).filter((e) => e && !e.startsWith('@')));
  return { rules, targets };
}

/** Mapped entity of one label term, '' when not a finding, null when the mapping has no rule for it. */
export function mapTerm(term: string, mapping: LabelMapping): string | null {
  const [heading = '', ...mods] = term.split('/').map((s) => s.trim().toLowerCase());
  const rule = mapping.rules.find((r) => r.heading === heading && r.qualifiers.every((q) => mods.includes(q)));
  return rule ? rule.entity : null;
}

export interface LabelsOptions {
  idCol: string;
  labelCol: string;
  mapping: LabelMapping;
  names?: OfficialNameMap;
}

/**
 * `partial`: studies with at least one unmapped gold term; they are scored on their
 * mapped terms only (the unmapped term is neither a hit nor a miss).
 * Rows with a blank label cell are left out: a blank is unknown, not "normal".
 */
export function readLabelsSet(
  file: string,
  opts: LabelsOptions,
): EvalSet & { unmapped: Map<string, number>; partial: Set<string> } {
  if (!fs.existsSync(file)) throw new UserError(`${file} not found.`);
  const { rows, torn } = readCsvRows(file);
  if (rows.length && !(opts.idCol in rows[0]!))
    throw new UserError(`${file} has no column "${opts.idCol}".`, `Columns: ${Object.keys(rows[0]!).join(', ')}`);
  if (rows.length && !(opts.labelCol in rows[0]!))
    throw new UserError(`${file} has no column "${opts.labelCol}".`, `Columns: ${Object.keys(rows[0]!).join(', ')}`);
  const libs = defaultLibs();
  const docs = new Map<string, EvalDoc>();
  const excluded = new Set<string>();
  const unmapped = new Map<string, number>();
  const partial = new Set<string>();
  let blank = 0;
  for (const row of rows) {
    const id = normalizeId(row[opts.idCol]);
    if (!id) continue;
    if (!(row[opts.labelCol] ?? '').trim()) {
      blank++;
      excluded.add(id);
      continue;
    }
    const doc = emptyDoc();
    for (const raw of (row[opts.labelCol] ?? '').split(';')) {
      const term = raw.trim();
      if (!term) continue;
      const entity = mapTerm(term, opts.mapping);
      if (entity === null) {
        partial.add(id);
        unmapped.set(term.split('/')[0]!, (unmapped.get(term.split('/')[0]!) ?? 0) + 1);
        continue;
      }
      if (entity === '@exclude') excluded.add(id);
      if (!entity || entity.startsWith('@')) continue;
      // Qualifiers that are library location/level/type words become attributes.
      const mods = term
        .split('/')
        .slice(1)
        .map((s) => s.trim().toLowerCase());
      const pick = (set: ReadonlySet<string>) => mods.filter((m) => set.has(m)).join(' ') || null;
      if (!doc.positive.has(entity))
        doc.positive.set(entity, { location: pick(libs.locations), level: pick(libs.levels), type: pick(libs.types) });
    }
    docs.set(id, doc);
  }
  const warnings = [
    ...duplicateWarning(`${file}`, duplicateIds(rows.map((r) => normalizeId(r[opts.idCol])).filter(Boolean))),
    ...(blank
      ? [`${file}: ${blank} rows have a blank ${opts.labelCol} cell and are left out (unknown, not normal)`]
      : []),
    ...(torn ? [`${file}: ${torn} torn rows (field count differs from the header)`] : []),
  ];
  return {
    docs,
    scored: new Set(['positive']),
    excluded,
    source: `${file} (${opts.labelCol})`,
    unmapped,
    partial,
    warnings,
  };
}
