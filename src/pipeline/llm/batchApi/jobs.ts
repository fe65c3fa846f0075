import { z } from 'zod';
import type { Run } from '../../store/run.js';
import { defineStateSection, readSection, writeSection } from '../../store/sections.js';

/**
 * The Batch API jobs of a run that are submitted and not yet imported. Only ids
 * and counts: the requests are in the uploaded file, the answers come back in
 * the output file. A process that starts (after a restart or `kill -9`) polls
 * these before it sends anything, so no request is submitted twice.
 */
export const BatchJobSchema = z.object({
  id: z.string(),
  /** Which requests: the stage label and round ("extract", "gold", "follow-up"). */
  stage: z.string(),
  endpoint: z.string(),
  inputFileId: z.string(),
  requests: z.number().int().nonnegative(),
  submittedAt: z.string(),
  /** Last status seen when polling (validating, in_progress, finalizing, completed, expired, …). */
  status: z.string(),
  completed: z.number().int().nonnegative().default(0),
  failed: z.number().int().nonnegative().default(0),
});
export type BatchJob = z.infer<typeof BatchJobSchema>;

const OpenJobsSchema = z.object({ open: z.array(BatchJobSchema).catch([]) });

export const BATCH_JOBS = defineStateSection({ slot: 'batches', key: 'jobs', schema: OpenJobsSchema });

export function openJobs(run: Run): BatchJob[] {
  return readSection(run.state, BATCH_JOBS)?.open ?? [];
}

/** Add or replace a job (by id). */
export async function saveJob(run: Run, job: BatchJob): Promise<void> {
  await run.update((s) => {
    const open = (readSection(s, BATCH_JOBS)?.open ?? []).filter((j) => j.id !== job.id);
    writeSection(s, BATCH_JOBS, { open: [...open, job] });
  });
}

/** A job's answers are imported: it leaves the list. */
export async function dropJob(run: Run, id: string): Promise<void> {
  await run.update((s) => {
    const open = (readSection(s, BATCH_JOBS)?.open ?? []).filter((j) => j.id !== id);
    writeSection(s, BATCH_JOBS, { open });
  });
}
