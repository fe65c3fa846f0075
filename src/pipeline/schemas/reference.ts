import { z } from 'zod';

/** Where in the report a finding came from, so a reviewer can see why it was extracted. */
export const EvidenceSchema = z.object({
  /** Index of the sentence within the rule text. */
  sentence: z.number(),
  /** Character span [start, end) in the report's full text (ReportRecord.text), or -1 when unknown. */
  start: z.number(),
  end: z.number(),
  /** The matched surface text. */
  text: z.string(),
});
export type Evidence = z.infer<typeof EvidenceSchema>;

/** One finding of the rule-based extractor (docs/method.md §7): attribute word lists, a second instance when sides differ. */
export const RefEntitySchema = z.object({
  entity_name: z.string(),
  location: z.array(z.string()).default([]),
  type: z.array(z.string()).default([]),
  level: z.array(z.string()).default([]),
  post_location: z.string().nullable().default(null),
  location2: z.array(z.string()).nullable().default(null),
  type2: z.array(z.string()).nullable().default(null),
  level2: z.array(z.string()).nullable().default(null),
  post_location2: z.string().nullable().default(null),
  evidence: z.array(EvidenceSchema).default([]),
});
export type RefEntity = z.infer<typeof RefEntitySchema>;

/** The rule-based reference record of a study (artifact `reference`). */
export const ReferenceRecordSchema = z.object({
  study_id: z.string(),
  subject_id: z.string(),
  entity: z.record(z.string(), RefEntitySchema).default({}),
  no_entity: z.array(z.string()).default([]),
  /** Hedged findings (an extension over §7, which has none). */
  uncertain_entity: z.array(z.string()).default([]),
  /** Evidence for negative and hedged findings, keyed by name. */
  no_entity_evidence: z.record(z.string(), z.array(EvidenceSchema)).default({}),
  uncertain_evidence: z.record(z.string(), z.array(EvidenceSchema)).default({}),
});
export type ReferenceRecord = z.infer<typeof ReferenceRecordSchema>;
