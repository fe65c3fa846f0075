import { z } from 'zod';
import type { StudyMeta } from '../schemas/report.js';

/** Question types of the release (docs/method.md §10) plus the optional difference type. */
export const QUESTION_TYPES = ['abnormality', 'presence', 'view', 'location', 'level', 'type', 'difference'] as const;
export const QuestionTypeSchema = z.enum(QUESTION_TYPES);
export type QuestionType = z.infer<typeof QuestionTypeSchema>;

/** Per-type counts of the released dataset (PhysioNet medical-cxr-vqa-dataset 1.0.0); a type the release lacks has none. */
export const RELEASE_COUNTS: Readonly<Partial<Record<QuestionType, number>>> = Object.freeze({
  abnormality: 190_525,
  presence: 211_560,
  view: 92_048,
  location: 104_680,
  level: 111_715,
  type: 69_486,
});
export const RELEASE_TOTAL = 780_014;

export const ProvenanceSchema = z.object({
  /** KeyInfo names (as written in the standardized record) the pair was built from. */
  entities: z.array(z.string()),
  /** Names in the reference study's KeyInfo (difference questions only). */
  ref_entities: z.array(z.string()).optional(),
  /** Follow-up cycle of the standardized record the pair came from. */
  source_cycle: z.number(),
  /** Template id, e.g. `presence.evidence.negative`. */
  template: z.string(),
});
export type Provenance = z.infer<typeof ProvenanceSchema>;

/**
 * One QA pair. The `questions` artifact holds one line per pair, so it is
 * MULTI-ROW per study_id: read it with `lines()`, never `readMap()` (which
 * would keep only the last pair of each study).
 */
export const QaPairSchema = z.object({
  study_id: z.string(),
  /** Stable id: hash of study_id, question_type, question, ref_id and seed. */
  qa_id: z.string(),
  subject_id: z.string(),
  dicom_id: z.string().nullable(),
  /** Reference (earlier) study: set for difference questions, and for every question in the paired layout. */
  ref_id: z.string().nullable(),
  question_type: QuestionTypeSchema,
  question: z.string(),
  answer: z.string(),
  answer_type: z.enum(['open', 'closed']),
  split: z.string(),
  provenance: ProvenanceSchema,
});
export type QaPair = z.infer<typeof QaPairSchema>;

/** Metadata a question needs about a study (from the `reports` artifact), looked up by study_id. */
export type { StudyMeta };
export type MetadataIndex = ReadonlyMap<string, StudyMeta>;

export const SplitRatiosSchema = z
  .object({ train: z.number().min(0), validate: z.number().min(0), test: z.number().min(0) })
  .refine((r) => r.train + r.validate + r.test > 0, 'split ratios must not all be 0');

export const QuestionParamsSchema = z.object({
  seed: z.number().int().default(0),
  filterLowFreq: z.boolean().default(true),
  /**
   * Values and entities seen fewer times than this are dropped. `auto` scales
   * the release's 10 (for 227,835 reports) to the corpus: ceil(10 × N / 227,835),
   * clamped to [2, 10], so a 160-report sample is not filtered to nothing.
   */
  lowFreqThreshold: z.union([z.literal('auto'), z.number().int().min(1)]).default('auto'),
  /** Share of AP studies that get a view question (the release: 5%). */
  apSubsample: z.number().min(0).max(1).default(0.05),
  /** Keep only 10% of yes/no questions (the original's `less_yes_no`). */
  lessYesNo: z.boolean().default(false),
  /** Per type, drop the surplus of the more frequent yes/no answer so yes and no are equal. */
  balanceYesNo: z.boolean().default(false),
  /** Difference questions against an earlier study of the same subject (Medical-Diff-VQA). */
  difference: z.boolean().default(false),
  /**
   * The Medical-Diff-VQA layout: every question of a study carries its reference study (ref_id),
   * and a study with no strictly earlier study gets no questions. Implies `difference`. No default,
   * so runs made before it existed keep their params hash.
   */
  pairedLayout: z.boolean().optional(),
  /** `metadata`: the metadata `split` column (seeded by subject where missing); `seeded`: always seeded by subject. */
  splitMode: z.enum(['metadata', 'seeded']).default('metadata'),
  splitRatios: SplitRatiosSchema.default({ train: 0.8, validate: 0.1, test: 0.1 }),
  /** Studies whose view is unknown: `skip` (the release: AP/PA only) or `include` (no view question). */
  unknownView: z.enum(['skip', 'include']).default('skip'),
  /**
   * A MIMIC-CXR-JPG root (`--images DIR`): each exported image path is looked up under it and
   * missing images are counted per split. Without it the paths are written, marked unchecked.
   * No default, so runs made before it existed keep their params hash.
   */
  images: z.string().min(1).optional(),
});
export type QuestionParams = z.infer<typeof QuestionParamsSchema>;
