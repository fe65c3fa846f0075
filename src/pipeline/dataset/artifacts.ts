import { z } from 'zod';
import { defineArtifact } from '../store/artifact.js';
import { CHECK_RULES } from './check.js';

/** One consistency violation per line (none, by construction: a line here is a generator bug). */
export const ViolationRowSchema = z.object({
  study_id: z.string(),
  rule: z.enum(CHECK_RULES),
  qa_id: z.string(),
  question: z.string(),
  answer: z.string(),
  detail: z.string(),
});
export type ViolationRow = z.infer<typeof ViolationRowSchema>;

export const VIOLATIONS = defineArtifact('check-violations', ViolationRowSchema, { madeBy: 'check', multiRow: true });
