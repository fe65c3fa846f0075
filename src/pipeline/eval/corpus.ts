import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../util/errors.js';
import { extractReference, type ExtractOptions, DEFAULT_EXTRACT_OPTIONS, type RuleInput } from '../rules/extract.js';
import type { Libs } from '../rules/libs.js';
import { referenceToKeyInfo } from '../rules/toKeyInfo.js';
import type { ReferenceRecord } from '../schemas/reference.js';
import { duplicateIds, duplicateWarning, readCsvRows } from './csvRows.js';
import { keyInfoToDoc } from './fromKeyInfo.js';
import { CATEGORIES, normalizeId, type EvalDoc, type EvalSet } from './types.js';

export interface CorpusOptions {
  /** CSV: id column and the text columns, joined as `HEADER: text` sections (`findings` → `FINDINGS:`). */
  idCol?: string;
  textCols?: string[];
}

/**
 * Reports of a corpus for running the rules extractor directly: a CSV with one
 * report per row, or a folder in the MIMIC layout (`files/pXX/pSUBJECT/sSTUDY.txt`).
 */
export function readCorpus(p: string, opts: CorpusOptions = {}): { reports: RuleInput[]; warnings: string[] } {
  if (!fs.existsSync(p)) throw new UserError(`Corpus ${p} not found.`);
  if (fs.statSync(p).isDirectory()) return { reports: readMimicDir(p), warnings: [] };
  const { rows, torn } = readCsvRows(p);
  const idCol = opts.idCol ?? 'study_id';
  const textCols = opts.textCols?.length ? opts.textCols : ['text'];
  const first = rows[0];
  if (first) {
    for (const col of [idCol, ...textCols]) {
      if (!(col in first))
        throw new UserError(
          `Corpus ${p} has no column "${col}".`,
          `Columns: ${Object.keys(first).join(', ')}; choose with --id-col / --text-cols.`,
        );
    }
  }
  const reports = rows.map((r): RuleInput => {
    const text = textCols
      .map((c) => (r[c] ?? '').trim())
      .map((t, i) => (t && textCols.length > 1 ? `${textCols[i]!.toUpperCase()}: ${t}` : t))
      .filter(Boolean)
      .join('\n\n');
    // With several text columns every one of them is read: the rule cut would drop all but FINDINGS on.
    return textCols.length > 1
      ? { study_id: normalizeId(r[idCol]), subject_id: '', text, rule_text: text, rule_offset: 0 }
      : { study_id: normalizeId(r[idCol]), subject_id: '', text };
  });
  const warnings = [
    ...duplicateWarning(`corpus ${p}`, duplicateIds(reports.map((r) => r.study_id))),
    ...(torn ? [`corpus ${p}: ${torn} torn rows (field count differs from the header)`] : []),
  ];
  return { reports, warnings };
}

function readMimicDir(dir: string): RuleInput[] {
  const out: RuleInput[] = [];
  const walk = (d: string) => {
    for (const ent of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, ent.name);
      if (ent.isDirectory()) walk(full);
      else if (/^s\d+\.txt$/.test(ent.name)) {
        const subject = /^p(\d+)$/.exec(path.basename(d))?.[1] ?? '';
        out.push({
          study_id: normalizeId(ent.name.slice(0, -4)),
          subject_id: subject,
          text: fs.readFileSync(full, 'utf8'),
        });
      }
    }
  };
  walk(dir);
  if (out.length === 0) throw new UserError(`No sSTUDY.txt reports under ${dir}.`);
  return out;
}

/** Run the rules extractor over reports and score them as predictions. */
export function rulesPredictions(
  reports: readonly RuleInput[],
  libs: Libs,
  opts: ExtractOptions = DEFAULT_EXTRACT_OPTIONS,
): EvalSet & { records: ReferenceRecord[] } {
  const docs = new Map<string, EvalDoc>();
  const records: ReferenceRecord[] = [];
  for (const r of reports) {
    const ref = extractReference(r, libs, opts);
    records.push(ref);
    docs.set(normalizeId(r.study_id), keyInfoToDoc(referenceToKeyInfo(ref), libs.officialNames));
  }
  return { docs, scored: new Set(CATEGORIES), excluded: new Set(), source: 'rules extractor', records };
}
