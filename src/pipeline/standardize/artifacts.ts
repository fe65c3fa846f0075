import { defineArtifact } from '../store/artifact.js';
import { ChangeLogRowSchema } from './changes.js';
import { StandardizedRowSchema } from './input.js';

/** The current standardized record per study (rewritten by every pass). */
export const STANDARDIZED = defineArtifact('standardized', StandardizedRowSchema, { madeBy: 'standardize' });
/** What standardization changed in each record, per pass. */
export const STD_CHANGES = defineArtifact('std-changes', ChangeLogRowSchema, { madeBy: 'standardize' });
