import { defineArtifact } from '../store/artifact.js';
import { FollowupLogRowSchema, FollowupRowSchema } from './schema.js';

/** A study's record after its follow-up questions in a cycle; rows of all cycles accumulate. */
export const FOLLOWUP = defineArtifact('followup', FollowupRowSchema, { madeBy: 'followup' });
/** Every follow-up answer, appended before the study's next question is sent. */
export const FOLLOWUP_LOG = defineArtifact('followup-log', FollowupLogRowSchema, { madeBy: 'followup' });
