import type { IngestIssue, ReportRecord, StudyMeta as BaseStudyMeta } from '../schemas/report.js';
import { ruleCut, selectSections } from './sections.js';
import { tooLarge } from './text.js';

/** Metadata for one study, as read from a metadata table or CSV/JSONL columns (extra columns kept). */
export interface StudyMeta extends BaseStudyMeta {
  extra: Record<string, string>;
}

/** One input record's outcome, as a source yields it; exactly one per input record. */
export type SourceItem =
  | { kind: 'record'; record: ReportRecord; warnings: IngestIssue[] }
  | { kind: 'issue'; issue: IngestIssue }
  /** Already in `reports` from an earlier, interrupted pass (resume): not read again. */
  | { kind: 'resumed'; study_id: string; source: string };

export interface SourceOptions {
  maxReportBytes: number;
  /** Concurrent directory listings (MIMIC trees). */
  concurrency: number;
  /** True when the study is already ingested, so the source need not read it. */
  isDone(studyId: string): boolean;
  signal: AbortSignal;
}

export const KNOWN_FIELDS = [
  'study_id',
  'subject_id',
  'dicom_id',
  'view',
  'study_order',
  'study_date',
  'split',
] as const;

/**
 * Ids are kept as strings without MIMIC's `s`/`p` prefix (only on MIMIC-shaped,
 * 8-digit ids, so other corpora's ids stay as they are); numeric exports
 * sometimes add `.0`.
 */
export function normalizeId(raw: string): string {
  const t = raw.trim();
  const noPrefix = /^[sp]\d{8}(\.0)?$/i.test(t) ? t.slice(1) : t;
  return noPrefix.replace(/^(\d+)\.0$/, '$1');
}

export function parseOrder(raw: string | undefined | null): number | null {
  if (raw === undefined || raw === null || raw.trim() === '') return null;
  const n = Number(raw);
  return Number.isFinite(n) ? n : null;
}

export function emptyMeta(studyId: string, subjectId = ''): StudyMeta {
  return {
    study_id: studyId,
    subject_id: subjectId,
    dicom_id: null,
    view: null,
    study_order: null,
    study_date: null,
    split: null,
    extra: {},
  };
}

/** Build the stored record: the text plus both section cuts with their offsets. */
export function makeRecord(meta: StudyMeta, text: string, source: string): ReportRecord {
  const sel = selectSections(text);
  const rule = ruleCut(text);
  return {
    ...meta,
    source,
    text,
    selected: sel.text,
    rule_text: rule.text,
    selected_offset: sel.offset,
    rule_offset: rule.offset,
  };
}

export function issue(
  study_id: string,
  source: string,
  reason: IngestIssue['reason'],
  detail: string,
  skipped = true,
): IngestIssue {
  return { study_id, source, reason, detail, skipped };
}

/** The issue of a report file over the size limit, checked before it is read (a tree file or a zip entry). */
export function tooLargeIssue(study_id: string, source: string, size: number, max: number): IngestIssue {
  const p = tooLarge(size, max);
  return issue(study_id, source, p.reason, p.detail);
}
