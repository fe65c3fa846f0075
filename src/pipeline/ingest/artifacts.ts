import { IngestIssueSchema, ReportRecordSchema } from '../schemas/report.js';
import { defineArtifact } from '../store/artifact.js';

/** One report per study, with the sections the method uses (docs/method.md §2). */
export const REPORTS = defineArtifact('reports', ReportRecordSchema, { madeBy: 'ingest' });
/** Studies ingest could not use, with the reason. */
export const INGEST_ISSUES = defineArtifact('ingest-issues', IngestIssueSchema, { madeBy: 'ingest' });
