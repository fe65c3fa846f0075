import fs from 'node:fs';
import path from 'node:path';
import { requestKey } from '../key.js';
import type { ChatRequest, CompleteOptions, CompletionResult, LlmClient } from '../types.js';
import { fsyncAndClose } from '../../util/fs.js';
import { readLineAt, scanLines } from '../lineFile.js';
import type { BatchAnswer, ImportedLine } from './format.js';

/**
 * Answers imported from batch output files, by request key, in their own
 * append-only file (`<run>/llm-batch/answers.jsonl`): unlike the response cache
 * it keeps every answer, refusals and errors included, because a batch answer
 * is final for the step that asked (the cache still gets the usable ones, through
 * the cache decorator above). Only offsets are held in memory.
 */

interface Entry {
  offset: number;
  length: number;
  /** Retryable error answers seen for the key (a later good answer replaces them). */
  errors: number;
  final: boolean;
  /** Where the error answers came from (batch or shard): the same file imported again is not a new try. */
  sources: string[];
}

/** The message of the `aborted` result a request without an answer gets (the item waits for the next round). */
export const WAITING_FOR_BATCH = 'waiting for the batch';

/** A retryable error (server, rate limit, decoding loop) is asked again in this many batches before it counts. */
const ERROR_ROUNDS = 2;

export class AnswerStore {
  readonly file: string;
  private readonly index = new Map<string, Entry>();
  private fd: number | null = null;
  private size = 0;

  constructor(dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, 'answers.jsonl');
    this.load();
  }

  /**
   * Record one imported answer from `source` (a batch id, a shard's hash); returns false for a
   * re-import: the key already has a final answer, or this source's error was counted before.
   */
  put(line: ImportedLine, source: string): boolean {
    const old = this.index.get(line.key);
    if (old?.final || old?.sources.includes(source)) return false;
    const text = JSON.stringify({ key: line.key, answer: line.answer, source }) + '\n';
    const buf = Buffer.from(text, 'utf8');
    if (this.fd === null) this.fd = fs.openSync(this.file, 'a+');
    fs.writeSync(this.fd, buf);
    this.remember(line.key, line.answer, source, this.size, buf.length - 1, old);
    this.size += buf.length;
    return true;
  }

  /** The answer the step gets, or null while the request should (still) be sent in a batch. */
  answer(key: string): { answer: BatchAnswer; attempts: number } | null {
    const e = this.index.get(key);
    if (!e || (!e.final && e.errors < ERROR_ROUNDS)) return null;
    const { answer } = JSON.parse(readLineAt(this.file, this.fd, e.offset, e.length)) as { answer: BatchAnswer };
    return { answer, attempts: e.errors + (e.final ? 1 : 0) };
  }

  get count(): number {
    return this.index.size;
  }

  close(): void {
    if (this.fd !== null) fsyncAndClose(this.fd);
    this.fd = null;
  }

  private remember(
    key: string,
    a: BatchAnswer,
    source: string,
    offset: number,
    length: number,
    old: Entry | undefined,
  ): void {
    const final = a.kind !== 'error' || !a.retryable;
    this.index.set(key, {
      offset,
      length,
      errors: (old?.errors ?? 0) + (final ? 0 : 1),
      final,
      sources: [...(old?.sources ?? []), source],
    });
  }

  private load(): void {
    if (!fs.existsSync(this.file)) return;
    const data = fs.readFileSync(this.file);
    const start = scanLines(data, (from, nl) => {
      try {
        const { key, answer, source } = JSON.parse(data.toString('utf8', from, nl)) as {
          key: string;
          answer: BatchAnswer;
          source?: string;
        };
        const old = this.index.get(key);
        if (!old?.final) this.remember(key, answer, source ?? '', from, nl - from, old);
      } catch {
        /* a line that does not parse is skipped: its request is asked again */
      }
    });
    // A torn last line (crash mid-write) is cut off; its answer is imported again from the batch.
    if (start < data.length) fs.truncateSync(this.file, start);
    this.size = start;
  }
}

/** Requests still without an answer, written as batch input lines as the step asks for them. */
export interface PendingSink {
  add(req: ChatRequest, key: string): void;
}

/**
 * The engine's stand-in for the scheduler under the cache decorator: a request with
 * an imported answer gets it (as the live path would have); any other is noted for
 * the next batch and comes back `aborted`, so the step records nothing for its item
 * and asks again in the next round.
 */
export class AnswerClient implements LlmClient {
  constructor(
    private readonly store: AnswerStore,
    private readonly pending: () => PendingSink,
    private readonly endpoint: string,
  ) {}

  complete(req: ChatRequest, _options?: CompleteOptions): Promise<CompletionResult> {
    const key = requestKey(req);
    const found = this.store.answer(key);
    const base = { key, endpoint: this.endpoint };
    if (!found) {
      this.pending().add(req, key);
      return Promise.resolve({
        kind: 'error',
        errorKind: 'aborted',
        message: WAITING_FOR_BATCH,
        retryable: false,
        attempts: 0,
        ...base,
      });
    }
    const { answer, attempts } = found;
    switch (answer.kind) {
      case 'ok':
        return Promise.resolve({
          ...answer,
          model: answer.model || req.model,
          ...base,
          cached: false,
          attempts,
          latencyMs: 0,
        });
      case 'filtered':
        return Promise.resolve({ ...answer, ...base, attempts });
      case 'error':
        return Promise.resolve({ ...answer, ...base, attempts });
    }
  }
}
