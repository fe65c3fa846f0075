import { ReferenceRecordSchema } from '../schemas/reference.js';
import { defineArtifact } from '../store/artifact.js';

/** The rule-based reference record per study. */
export const REFERENCE = defineArtifact('reference', ReferenceRecordSchema, { madeBy: 'reference' });
