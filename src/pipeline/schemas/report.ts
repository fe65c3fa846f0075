import { z } from 'zod';

/** One ingested study: metadata, full text and the selected sections (docs/method.md §1–2). */
export const ReportRecordSchema = z.object({
  study_id: z.string().min(1),
  subject_id: z.string(),
  dicom_id: z.string().nullable().default(null),
  view: z.string().nullable().default(null),
  study_order: z.number().nullable().default(null),
  study_date: z.string().nullable().default(null),
  split: z.string().nullable().default(null),
  /** Where the text came from (file path, or csv:line). */
  source: z.string(),
  text: z.string(),
  /** Text chosen for the model (docs/method.md §2, LLM form). */
  selected: z.string(),
  /** Text the rule-based extractor reads (docs/method.md §2, rule form). */
  rule_text: z.string(),
  /** Character offset of `selected` inside `text`, or -1 when it was assembled from parts. */
  selected_offset: z.number().default(-1),
  rule_offset: z.number().default(-1),
  /** Metadata columns beyond the known ones, kept as strings. */
  extra: z.record(z.string(), z.string()).default({}),
});
export type ReportRecord = z.infer<typeof ReportRecordSchema>;

/** A study's metadata: what pairing, views and splits need, without the text. */
export type StudyMeta = Pick<
  ReportRecord,
  'study_id' | 'subject_id' | 'dicom_id' | 'view' | 'study_order' | 'study_date' | 'split'
>;

/** Why an input record was not ingested; counts reconcile: ingested + skipped = input. */
export const IngestIssueSchema = z.object({
  study_id: z.string(),
  source: z.string(),
  reason: z.enum([
    'missing_file',
    'empty_text',
    'invalid_utf8',
    'binary',
    'too_large',
    'no_metadata',
    'no_report',
    'duplicate_id',
    'malformed_row',
    'unreadable',
  ]),
  detail: z.string().default(''),
  /** Whether the record was still ingested (a warning) or skipped. */
  skipped: z.boolean().default(true),
});
export type IngestIssue = z.infer<typeof IngestIssueSchema>;
