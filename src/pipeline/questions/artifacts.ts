import { defineArtifact } from '../store/artifact.js';
import { QaPairSchema } from './schema.js';

/** Question-answer pairs: many rows per study, so no keyed access. */
export const QUESTIONS = defineArtifact('questions', QaPairSchema, { madeBy: 'questions', multiRow: true });
