import { ExtractionResultSchema } from '../../schemas/extraction.js';
import { defineArtifact } from '../../store/artifact.js';

/** Gold KeyInfo per selected report, from the strong model, before clinician review. */
export const GOLD = defineArtifact('gold', ExtractionResultSchema, { madeBy: 'gold' });
