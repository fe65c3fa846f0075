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

/**
 * An input file being submitted: marked before the upload, cleared when its batch id is saved. A
 * mark left by a stopped process means the batch may exist remotely without its id in the run;
 * the next process looks it up (by the chunk key in the batch's metadata) before sending again.
 */
const SubmittingSchema = z.object({ key: z.string(), stage: z.string(), at: z.string() });

const OpenJobsSchema = z.object({
  open: z.array(BatchJobSchema).catch([]),
  submitting: z.array(SubmittingSchema).catch([]),
});
type OpenJobs = z.infer<typeof OpenJobsSchema>;

export const BATCH_JOBS = defineStateSection({ slot: 'batches', key: 'jobs', schema: OpenJobsSchema });

const sectionOf = (s: Parameters<typeof readSection>[0]): OpenJobs =>
  readSection(s, BATCH_JOBS) ?? { open: [], submitting: [] };

async function edit(run: Run, change: (jobs: OpenJobs) => OpenJobs): Promise<void> {
  await run.update((s) => writeSection(s, BATCH_JOBS, change(sectionOf(s))));
}

export function openJobs(run: Run): BatchJob[] {
  return sectionOf(run.state).open;
}

/** Chunk keys of a stage whose submission a stopped process may have left half done. */
export function submittingKeys(run: Run, stage: string): Set<string> {
  return new Set(
    sectionOf(run.state)
      .submitting.filter((m) => m.stage === stage)
      .map((m) => m.key),
  );
}

export async function markSubmitting(run: Run, key: string, stage: string): Promise<void> {
  await edit(run, (j) => ({
    ...j,
    submitting: [...j.submitting.filter((m) => m.key !== key), { key, stage, at: new Date().toISOString() }],
  }));
}

/** Add or replace a job (by id); the submission mark of its chunk (if any) is cleared with it. */
export async function saveJob(run: Run, job: BatchJob, chunkKey?: string): Promise<void> {
  await edit(run, (j) => ({
    open: [...j.open.filter((x) => x.id !== job.id), job],
    submitting: j.submitting.filter((m) => m.key !== chunkKey),
  }));
}

/** A job's answers are imported: it leaves the list. */
export async function dropJob(run: Run, id: string): Promise<void> {
  await edit(run, (j) => ({ ...j, open: j.open.filter((x) => x.id !== id) }));
}
