import { ExtractionResultSchema } from '../schemas/extraction.js';
import { defineArtifact } from '../store/artifact.js';

/** Extraction results per study with an explicit status; retries append, the last line wins. */
export const RAW = defineArtifact('raw', ExtractionResultSchema, { madeBy: 'extract' });
