import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { OpenAI } from 'openai';
import type { Run } from '../../store/run.js';
import type { StepEvent } from '../../steps/contract.js';
import { UserError } from '../../util/errors.js';
import type { LlmStats } from '../accounting.js';
import type { LlmProfile } from '../config.js';
import { refusesSchema } from '../endpoint.js';
import { redactSecrets } from '../keys.js';
import { providerFor } from '../providers/index.js';
import type { ProviderClient } from '../providers/types.js';
import type { ChatRequest } from '../types.js';
import { AnswerClient, AnswerStore, type PendingSink } from './answers.js';
import { batchLine, parseOutputLine, type BatchAnswer } from './format.js';
import { dropJob, openJobs, saveJob, type BatchJob } from './jobs.js';
import { batchApiError, submitOnce } from './submit.js';
import { WaitingForAnswers, type OfflineHandOff } from './offline.js';

/**
 * Drives the first endpoint's Batch API for one LLM step: the requests a round of
 * the step could not answer go into input files (split at the provider's request
 * and byte limits), each is uploaded and a batch created (ids saved in run state
 * at once), polled with progress from its request counts, and its output and
 * error files are imported into the answer store; then the remote files are
 * deleted. Expired, cancelled and partly failed batches import what they have:
 * the rest is asked for in the next round.
 */

const TERMINAL = new Set(['completed', 'expired', 'cancelled', 'failed']);
/** Poll failures in a row before the step stops (the batch keeps running remotely and is polled next time). */
const POLL_FAILURES = 5;

export interface BatchEngineOptions {
  run: Run;
  profile: LlmProfile;
  env: NodeJS.ProcessEnv;
  emit(e: StepEvent): void;
  signal: AbortSignal;
  /** Names the requests in custom ids and in state ("extract", "gold", "follow-up"). */
  stage: string;
  /** Endpoint labels known to refuse json_schema: their requests go as free text, as live. */
  structuredRefused: ReadonlySet<string>;
  /** No Batch API: unanswered requests are handed off (shard files) and the step stops to wait for them. */
  offline?: OfflineHandOff;
  /** The endpoint refused json_schema (the run remembers it, as for live requests). */
  onStructuredRefused?: (label: string, reason: string) => void;
}

class PendingFile implements PendingSink {
  readonly keys = new Set<string>();
  private fd: number;
  constructor(
    readonly file: string,
    private readonly line: (req: ChatRequest, key: string) => string,
  ) {
    this.fd = fs.openSync(file, 'w');
  }
  add(req: ChatRequest, key: string): void {
    if (this.keys.has(key)) return;
    this.keys.add(key);
    fs.writeSync(this.fd, this.line(req, key) + '\n');
  }
  close(): void {
    fs.closeSync(this.fd);
  }
}

export class BatchEngine {
  readonly store: AnswerStore;
  readonly client: AnswerClient;
  private readonly provider: ProviderClient | null = null;
  private readonly sdk: OpenAI | null = null;
  private readonly dir: string;
  private pending: PendingFile | null = null;
  private stats: LlmStats | null = null;
  /** The endpoint refused json_schema in a batch line: later lines go as free text. */
  private schemaOff = false;
  submitted = 0;

  constructor(private readonly o: BatchEngineOptions) {
    const ep = o.profile.endpoints[0];
    if (!o.offline) {
      if (!ep)
        throw new UserError(
          'No LLM endpoint is configured for the batch engine.',
          'Add one: cxrvqa llm set --endpoint URL',
        );
      this.provider = providerFor(ep.kind).create(ep, { ...o.profile, stream: false }, { env: o.env });
      if (!this.provider.sdk) throw new UserError(`The ${ep.kind} endpoint has no Batch API.`);
      // Node's own fetch: the provider's undici fetch cannot send Node's FormData (the file upload).
      this.sdk = this.provider.sdk.withOptions({ fetch: globalThis.fetch, fetchOptions: {} });
    }
    this.dir = path.join(o.run.dir, 'llm-batch');
    this.store = new AnswerStore(this.dir);
    this.client = new AnswerClient(
      this.store,
      () => this.sink(),
      this.provider ? `batch ${this.provider.label}` : 'offline shards',
    );
  }

  /** Where imported usage and errors are counted (the stack's stats, at the batch price). */
  countInto(stats: LlmStats): void {
    this.stats = stats;
  }

  /** Start a round: requests asked from now on go to a fresh input file. */
  startRound(): void {
    this.pending?.close();
    this.pending = null;
  }

  get pendingCount(): number {
    return this.pending?.keys.size ?? 0;
  }

  /** Batches a killed or stopped process left running: polled and imported before anything is sent. */
  async resumeOpen(): Promise<number> {
    if (!this.sdk) return 0;
    let imported = 0;
    for (const job of openJobs(this.o.run).filter((j) => j.stage === this.o.stage)) {
      this.log('info', `resuming batch ${job.id} (${job.requests} requests, last seen ${job.status})`);
      imported += await this.follow(job);
    }
    return imported;
  }

  /** Send this round's requests; returns how many answers came back (0: nothing moved). */
  async submitRound(): Promise<number> {
    const file = this.pending;
    if (!file || file.keys.size === 0) return 0;
    file.close();
    this.pending = null;
    if (this.o.offline) {
      const message = await this.o.offline.handOff(file.file, this.o.stage, file.keys.size);
      fs.rmSync(file.file, { force: true });
      this.log('info', message);
      throw new WaitingForAnswers(message);
    }
    const jobs: BatchJob[] = [];
    for (const chunk of chunks(file.file, this.o.profile.batch)) {
      if (this.o.signal.aborted) break;
      jobs.push(await this.create(chunk));
    }
    // The requests (report text) now live in the uploaded files; the run keeps only their answers.
    fs.rmSync(file.file, { force: true });
    let imported = 0;
    for (const job of jobs) imported += await this.follow(job);
    return imported;
  }

  async close(): Promise<void> {
    this.pending?.close();
    this.store.close();
    await this.provider?.close();
  }

  private chatPath(): string {
    return this.provider?.endpoint.kind === 'azure' ? '/chat/completions' : '/v1/chat/completions';
  }

  private sink(): PendingSink {
    if (!this.pending) {
      const p = this.provider;
      const useSchema =
        this.o.profile.structured !== 'off' && !this.schemaOff && !(p && this.o.structuredRefused.has(p.label));
      const url = this.chatPath();
      this.pending = new PendingFile(path.join(this.dir, 'pending.jsonl'), (req, key) =>
        JSON.stringify(
          batchLine(this.o.stage, req, key, {
            model: p ? p.modelFor(req.model) : req.model,
            useSchema: useSchema && Boolean(req.responseSchema),
            url,
          }),
        ),
      );
    }
    return this.pending;
  }

  /** The Batch API (never reached in offline mode: nothing is submitted there). */
  private get remote(): { sdk: OpenAI; provider: ProviderClient } {
    if (!this.sdk || !this.provider) throw new Error('the batch engine has no Batch API in offline mode');
    return { sdk: this.sdk, provider: this.provider };
  }

  /** Upload one input file and create its batch, at most once (`submitOnce`); its id is saved before the first poll. */
  private async create(chunk: { lines: Buffer; requests: number }): Promise<BatchJob> {
    const {
      batch: b,
      inputFileId,
      key,
    } = await submitOnce(
      {
        sdk: this.remote.sdk,
        run: this.o.run,
        stage: this.o.stage,
        signal: this.o.signal,
        endpointPath: this.chatPath(),
        label: this.remote.provider.label,
        log: (m) => this.log('info', m),
        wait: () => this.wait(),
      },
      chunk.lines,
    );
    const job: BatchJob = {
      id: b.id,
      stage: this.o.stage,
      endpoint: this.remote.provider.label,
      inputFileId,
      requests: chunk.requests,
      submittedAt: new Date().toISOString(),
      status: b.status,
      completed: 0,
      failed: 0,
    };
    // From here a restart polls this batch instead of sending it again.
    await saveJob(this.o.run, job, key);
    this.submitted++;
    this.log('info', `submitted batch ${b.id}: ${chunk.requests} requests (${chunk.lines.length} bytes)`);
    return job;
  }

  /** Poll one batch to its end, import its files, delete them; the job stays in state if stopped first. */
  private async follow(job: BatchJob): Promise<number> {
    let failures = 0;
    let last = job.status;
    for (;;) {
      if (this.o.signal.aborted) return 0;
      let b: OpenAI.Batches.Batch;
      try {
        b = await this.remote.sdk.batches.retrieve(job.id, { signal: this.o.signal, maxRetries: 0 });
        failures = 0;
      } catch (err) {
        if (this.o.signal.aborted) return 0;
        if (++failures >= POLL_FAILURES)
          throw new UserError(
            `The Batch API did not answer ${POLL_FAILURES} polls of batch ${job.id} in a row: ${redactSecrets(String(err))}`,
            'The batch keeps running remotely and its id is kept: run the step again to resume polling.',
          );
        await this.wait();
        continue;
      }
      const counts = b.request_counts ?? { total: job.requests, completed: 0, failed: 0 };
      const total = counts.total || job.requests;
      this.o.emit({
        type: 'progress',
        done: counts.completed + counts.failed,
        total,
        counters: { batch_completed: counts.completed, batch_failed: counts.failed },
      });
      if (b.status !== last || counts.completed !== job.completed) {
        last = b.status;
        job = { ...job, status: b.status, completed: counts.completed, failed: counts.failed };
        await saveJob(this.o.run, job);
        this.log('info', `batch ${job.id}: ${b.status} ${counts.completed + counts.failed}/${total}`);
      }
      if (TERMINAL.has(b.status)) return this.finish(job, b);
      await this.wait();
    }
  }

  private async finish(job: BatchJob, b: OpenAI.Batches.Batch): Promise<number> {
    if (b.status === 'failed') {
      const why = (b.errors?.data ?? []).map(
        (e) => `${e.line !== undefined && e.line !== null ? `line ${e.line}: ` : ''}${e.message}`,
      );
      this.log('warn', `batch ${job.id} failed: ${why.join('; ') || 'no reason given'}`);
    } else if (b.status !== 'completed') {
      this.log(
        'warn',
        `batch ${job.id} ${b.status} with ${b.request_counts?.completed ?? 0} of ${job.requests} answered; the rest is sent again`,
      );
    }
    let imported = 0;
    let foreign = 0;
    for (const fileId of [b.output_file_id, b.error_file_id]) {
      if (!fileId) continue;
      const text = await this.api('download a batch result file', async () =>
        (await this.remote.sdk.files.content(fileId)).text(),
      );
      for (const line of text.split('\n')) {
        if (!line.trim()) continue;
        const parsed = parseOutputLine(line, this.o.profile.whitespaceLimit);
        if (!parsed) {
          foreign++;
          continue;
        }
        const a0 = parsed.answer;
        if (this.refusesSchema(a0)) {
          // Like the live path in `auto` mode: the schema goes, the request is asked again as free text.
          this.schemaOff = true;
          this.o.onStructuredRefused?.(this.remote.provider.label, a0.kind === 'error' ? a0.message : '');
          imported++;
          continue;
        }
        if (!this.store.put(parsed, job.id)) continue;
        imported++;
        const a = parsed.answer;
        this.stats?.attempt(
          a.kind === 'error' ? a.errorKind : a.kind,
          a.kind === 'ok' ? a.usage : null,
          a.kind === 'ok' ? a.model : (this.o.profile.model ?? ''),
        );
      }
    }
    if (foreign)
      this.log('warn', `batch ${job.id}: ${foreign} result lines were not ours or not JSON and were skipped`);
    // Imported (or nothing to import): the remote copies are not needed any more.
    for (const fileId of [job.inputFileId, b.output_file_id, b.error_file_id])
      if (fileId) await this.remote.sdk.files.delete(fileId, { maxRetries: 0 }).catch(() => {});
    await dropJob(this.o.run, job.id);
    return imported;
  }

  /** An error line rejecting the json_schema response format, in `auto` mode (asked again without it). */
  private refusesSchema(a: BatchAnswer): boolean {
    return this.o.profile.structured === 'auto' && refusesSchema(a);
  }

  private async api<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw batchApiError(this.remote.provider.label, what, err);
    }
  }

  private async wait(): Promise<void> {
    await sleep(this.o.profile.batch.pollMs, undefined, { signal: this.o.signal }).catch(() => {});
  }

  private log(level: 'info' | 'warn', message: string): void {
    this.o.emit({ type: 'log', level, message });
  }
}

/** Input lines cut into files of at most `maxRequests` lines and `maxBytes` bytes. */
export function* chunks(
  file: string,
  limits: { maxRequests: number; maxBytes: number },
): Generator<{ lines: Buffer; requests: number }> {
  const data = fs.readFileSync(file);
  let start = 0;
  let cut = 0;
  let n = 0;
  for (;;) {
    const nl = data.indexOf(0x0a, cut);
    if (nl < 0) break;
    const end = nl + 1;
    if (n > 0 && (n >= limits.maxRequests || end - start > limits.maxBytes)) {
      yield { lines: data.subarray(start, cut), requests: n };
      start = cut;
      n = 0;
    }
    if (end - start > limits.maxBytes)
      throw new UserError(
        `One batch request is ${end - start} bytes, more than the ${limits.maxBytes}-byte file limit.`,
        'Raise the limit (llm.batch.maxBytes) or shorten the prompt.',
      );
    n++;
    cut = end;
  }
  if (n > 0) yield { lines: data.subarray(start, cut), requests: n };
}
