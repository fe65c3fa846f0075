import path from 'node:path';
import { toFile, type OpenAI } from 'openai';
import type { Run } from '../../store/run.js';
import { UserError } from '../../util/errors.js';
import { sha256 } from '../../util/hash.js';
import { redactSecrets } from '../keys.js';
import { markSubmitting, submittingKeys } from './jobs.js';

/**
 * Sending one batch input file at most once. A batch the provider created is paid for even when
 * its id never reached the run (a process killed between the create call and saving the id, or a
 * create whose answer was lost and retried). So the chunk's key, a hash of its lines, is marked in
 * run state before the upload and goes into the batch metadata with the run's tag; a mark left
 * behind, or a failed create, makes the next attempt look for that batch before creating one.
 */

/** Attempts to create one batch (each retry first looks whether the last attempt created it). */
const CREATE_ATTEMPTS = 3;
/** Newest batches (or files) searched for one a stopped run may have created. */
const LOOKUP_LIMIT = 1000;

export interface SubmitContext {
  sdk: OpenAI;
  run: Run;
  stage: string;
  signal: AbortSignal;
  /** The batch endpoint path ("/v1/chat/completions"; Azure's without /v1). */
  endpointPath: string;
  /** The endpoint as messages name it. */
  label: string;
  log(message: string): void;
  /** The pause between create attempts. */
  wait(): Promise<void>;
}

/** A failure worth another attempt: no answer, a timeout, rate limiting or a server error. */
function retryable(err: unknown): boolean {
  const status = (err as { status?: number }).status;
  return status === undefined || status === 408 || status === 409 || status === 429 || status >= 500;
}

/** Names a run in batch metadata, so two runs sending the same requests never take each other's batch. */
const runTag = (run: Run) => sha256(path.resolve(run.dir)).slice(0, 16);

/** This run's batch for a chunk key, among the newest batches of the account. */
async function findBatch(c: SubmitContext, key: string): Promise<OpenAI.Batches.Batch | null> {
  const tag = runTag(c.run);
  let seen = 0;
  for await (const b of c.sdk.batches.list({ limit: 100 }, { signal: c.signal })) {
    const m = b.metadata as Record<string, string> | null;
    if (m?.cxrvqa_chunk === key && m.cxrvqa_stage === c.stage && m.cxrvqa_run === tag) return b;
    if (++seen >= LOOKUP_LIMIT) break;
  }
  return null;
}

/** An input file uploaded by a run that stopped before creating its batch: used instead of a second upload. */
async function findFile(c: SubmitContext, filename: string): Promise<string | null> {
  let seen = 0;
  for await (const f of c.sdk.files.list({ purpose: 'batch' }, { signal: c.signal })) {
    if (f.filename === filename) return f.id;
    if (++seen >= LOOKUP_LIMIT) break;
  }
  return null;
}

/** A Batch API call that failed, as the user reads it (secrets redacted). */
export function batchApiError(label: string, what: string, err: unknown): UserError {
  return new UserError(
    `Could not ${what} at ${label}: ${redactSecrets(err instanceof Error ? err.message : String(err))}`,
    'Check the endpoint and key (cxrvqa llm check); batches already submitted are kept and polled on the next run.',
  );
}

async function upload(c: SubmitContext, lines: Buffer, filename: string): Promise<string> {
  try {
    const file = await toFile(lines, filename, { type: 'application/jsonl' });
    return (await c.sdk.files.create({ file, purpose: 'batch' })).id;
  } catch (err) {
    throw batchApiError(c.label, 'upload the batch input', err);
  }
}

/** Create with our own retries: before each retry, look whether the lost attempt created the batch. */
async function createBatch(c: SubmitContext, inputFileId: string, key: string): Promise<OpenAI.Batches.Batch> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await c.sdk.batches.create(
        {
          input_file_id: inputFileId,
          endpoint: c.endpointPath as '/v1/chat/completions',
          completion_window: '24h',
          metadata: { cxrvqa_stage: c.stage, cxrvqa_chunk: key, cxrvqa_run: runTag(c.run) },
        },
        { maxRetries: 0, signal: c.signal },
      );
    } catch (err) {
      if (c.signal.aborted) throw err;
      const found = await findBatch(c, key).catch(() => null);
      if (found) return found;
      if (attempt >= CREATE_ATTEMPTS || !retryable(err)) throw batchApiError(c.label, 'create the batch', err);
      await c.wait();
    }
  }
}

/** Upload `lines` and create their batch, or find the one an earlier attempt created. */
export async function submitOnce(
  c: SubmitContext,
  lines: Buffer,
): Promise<{ batch: OpenAI.Batches.Batch; inputFileId: string; key: string }> {
  const key = sha256(lines).slice(0, 16);
  const filename = `cxrvqa-${c.stage}-${key}.jsonl`;
  const leftOver = submittingKeys(c.run, c.stage).has(key);
  const found = leftOver ? await findBatch(c, key) : null;
  if (found) {
    c.log(`found batch ${found.id}, created for these requests by a run that stopped before saving its id`);
    return { batch: found, inputFileId: found.input_file_id, key };
  }
  await markSubmitting(c.run, key, c.stage);
  const inputFileId = (leftOver ? await findFile(c, filename) : null) ?? (await upload(c, lines, filename));
  return { batch: await createBatch(c, inputFileId, key), inputFileId, key };
}
