import fs from 'node:fs';
import { USABLE_STATUSES, type ExtractionStatus } from '../schemas/extraction.js';
import path from 'node:path';
import { UserError } from '../util/errors.js';
import { referenceToKeyInfo } from '../rules/toKeyInfo.js';
import { ReferenceRecordSchema } from '../schemas/reference.js';
import type { OfficialNameMap } from '../names/normalize.js';
import { duplicateIds, duplicateWarning } from './csvRows.js';
import { keyInfoToDoc } from './fromKeyInfo.js';
import { CATEGORIES, normalizeId, type EvalDoc, type EvalSet } from './types.js';

/** Which artifact of a run folder holds predictions, best first. */
export const RUN_ARTIFACTS = ['standardized', 'raw', 'reference'] as const;

/**
 * One row of any KeyInfo source as an EvalDoc:
 * `{study_id, keyinfo}` (standardized/raw/gold artifacts), flat
 * `{study_id, opacity_vs_clear, entity, uncertain_entity, no_entity}`, or a
 * ReferenceRecord (entity values carry `entity_name`).
 */
export function rowToDoc(row: Record<string, unknown>, names?: OfficialNameMap): EvalDoc {
  if ('keyinfo' in row) return keyInfoToDoc(row.keyinfo, names);
  const entity = row.entity;
  const isReference =
    entity &&
    typeof entity === 'object' &&
    !Array.isArray(entity) &&
    Object.values(entity).some((v) => v && typeof v === 'object' && 'entity_name' in (v as object));
  if (isReference || (Array.isArray(row.uncertain_entity) && 'no_entity_evidence' in row)) {
    const parsed = ReferenceRecordSchema.safeParse(row);
    if (parsed.success) return keyInfoToDoc(referenceToKeyInfo(parsed.data), names);
  }
  return keyInfoToDoc(row, names);
}

function parseJsonRows(file: string, text: string): { rows: Array<Record<string, unknown>>; torn: number } {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    try {
      return { rows: JSON.parse(trimmed) as Array<Record<string, unknown>>, torn: 0 };
    } catch (err) {
      throw new UserError(`${file} is not valid JSON: ${(err as Error).message}`);
    }
  }
  const rows: Array<Record<string, unknown>> = [];
  let torn = 0;
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    try {
      rows.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // A torn last line (interrupted write) is dropped; a bad line elsewhere is an error.
      if (i < lines.length - 1 && lines.slice(i + 1).some((l) => l.trim()))
        throw new UserError(`${file} line ${i + 1} is not valid JSON.`);
      torn++;
    }
  });
  return { rows, torn };
}

/** A KeyInfo JSON array, a JSONL file, or a run folder (its standardized, raw or reference artifact). */
export function readKeyInfoSet(p: string, opts: { artifact?: string; names?: OfficialNameMap } = {}): EvalSet {
  if (!fs.existsSync(p)) throw new UserError(`${p} not found.`);
  let file = p;
  if (fs.statSync(p).isDirectory()) {
    const candidates = opts.artifact ? [opts.artifact] : [...RUN_ARTIFACTS];
    const found = candidates.map((a) => path.join(p, 'artifacts', `${a}.jsonl`)).find((f) => fs.existsSync(f));
    if (!found)
      throw new UserError(
        `${p} has no ${candidates.join('/')} artifact.`,
        'Pass a run folder after extraction, or a JSON/JSONL file.',
      );
    file = found;
  }
  const docs = new Map<string, EvalDoc>();
  const { rows, torn } = parseJsonRows(file, fs.readFileSync(file, 'utf8'));
  let failed = 0;
  for (const row of rows) {
    if (!row || typeof row !== 'object' || row.study_id === undefined) continue;
    // A failed extraction is not "no findings": leave the study out (it shows as gold-only).
    const bad =
      (typeof row.status === 'string' && !USABLE_STATUSES.has(row.status as ExtractionStatus)) ||
      ('keyinfo' in row && (row.keyinfo === null || row.keyinfo === undefined)) ||
      ('keyinfo' in row && (row.keyinfo as { entity?: unknown }).entity === 'error');
    if (bad) {
      failed++;
      continue;
    }
    // Last row per study wins, as in the run artifacts.
    docs.set(normalizeId(row.study_id), rowToDoc(row, opts.names));
  }
  const warnings = torn ? [`${file}: the last line is torn (an interrupted write) and was skipped`] : [];
  // Run artifacts append a row per attempt, so repeated ids are only news in a plain file.
  if (file === p)
    warnings.push(
      ...duplicateWarning(
        file,
        duplicateIds(
          rows
            .filter((r) => r && typeof r === 'object' && r.study_id !== undefined)
            .map((r) => normalizeId(r.study_id)),
        ),
      ),
    );
  return { docs, scored: new Set(CATEGORIES), excluded: new Set(), source: file, failed, warnings };
}
