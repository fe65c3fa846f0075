import fs from 'node:fs';
import path from 'node:path';
import { requestKey } from './key.js';
import type { ChatRequest, CompleteOptions, CompletionOk, CompletionResult, LlmClient, Usage } from './types.js';
import { fsyncAndClose } from '../util/fs.js';
import { readLineAt, scanLines } from './lineFile.js';

interface Entry {
  offset: number;
  length: number;
}

interface Stored {
  key: string;
  text: string;
  finishReason: string;
  usage: Usage | null;
  model: string;
  endpoint: string;
  at: string;
}

const PREFIX = '{"key":"';
const KEY_LEN = 64;

/**
 * Response cache in its own append-only file (`responses.jsonl`), never in the
 * run state. Only `ok` results that the caller accepts are stored: errors,
 * refusals and invalid output are asked again next time. Lines start with the
 * key so the index is built by slicing, not by parsing every response.
 * The request (report text) is not stored, only its hash and the answer.
 */
export class ResponseCache {
  readonly file: string;
  private readonly index = new Map<string, Entry>();
  private fd: number | null = null;
  private size = 0;
  /** Lines dropped when the file was opened (a torn last line after a crash). */
  tornBytes = 0;

  constructor(dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, 'responses.jsonl');
    this.load();
  }

  get count(): number {
    return this.index.size;
  }

  has(key: string): boolean {
    return this.index.has(key);
  }

  get(key: string): Stored | null {
    const e = this.index.get(key);
    if (!e) return null;
    const line = readLineAt(this.file, this.fd, e.offset, e.length);
    try {
      return JSON.parse(line) as Stored;
    } catch {
      this.index.delete(key);
      return null;
    }
  }

  put(res: CompletionOk): void {
    if (this.index.has(res.key)) return;
    const stored: Stored = {
      key: res.key,
      text: res.text,
      finishReason: res.finishReason,
      usage: res.usage,
      model: res.model,
      endpoint: res.endpoint,
      at: new Date().toISOString(),
    };
    const line = Buffer.from(JSON.stringify(stored) + '\n', 'utf8');
    if (this.fd === null) this.fd = fs.openSync(this.file, 'a+');
    // One write of one whole line: a crash can only tear the last line.
    fs.writeSync(this.fd, line);
    this.index.set(res.key, { offset: this.size, length: line.length - 1 });
    this.size += line.length;
  }

  close(): void {
    if (this.fd !== null) {
      fsyncAndClose(this.fd);
      this.fd = null;
    }
  }

  private load(): void {
    if (!fs.existsSync(this.file)) return;
    const data = fs.readFileSync(this.file);
    const start = scanLines(data, (from, nl) => {
      if (nl - from > PREFIX.length + KEY_LEN && data.toString('latin1', from, from + PREFIX.length) === PREFIX) {
        const key = data.toString('latin1', from + PREFIX.length, from + PREFIX.length + KEY_LEN);
        if (!this.index.has(key)) this.index.set(key, { offset: from, length: nl - from });
      }
    });
    if (start < data.length) {
      // A crash tore the last line: keep the bytes aside and cut them off.
      this.tornBytes = data.length - start;
      fs.appendFileSync(`${this.file}.torn`, Buffer.concat([data.subarray(start), Buffer.from('\n')]));
      fs.truncateSync(this.file, start);
    }
    this.size = start;
  }
}

export interface CachedClientOptions {
  /** Store only output this accepts (e.g. output that parses); the rest is asked again next time. */
  accept?: (text: string, res: CompletionOk) => boolean;
  onHit?: (res: CompletionOk) => void;
}

/** Decorator: answers from the cache, shares one in-flight promise between identical requests. */
export class CachedClient implements LlmClient {
  private readonly inflight = new Map<string, Promise<CompletionResult>>();

  constructor(
    private readonly inner: LlmClient,
    readonly cache: ResponseCache,
    private readonly opts: CachedClientOptions = {},
  ) {}

  complete(req: ChatRequest, options: CompleteOptions = {}): Promise<CompletionResult> {
    const key = requestKey(req);
    const hit = this.cache.get(key);
    if (hit) {
      const res: CompletionOk = {
        kind: 'ok',
        text: hit.text,
        finishReason: hit.finishReason,
        usage: hit.usage,
        model: hit.model,
        key,
        endpoint: hit.endpoint,
        cached: true,
        attempts: 0,
        latencyMs: 0,
      };
      this.opts.onHit?.(res);
      return Promise.resolve(res);
    }
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const p = this.inner
      .complete(req, options)
      .then((res) => {
        if (res.kind === 'ok' && (this.opts.accept?.(res.text, res) ?? true)) this.cache.put(res);
        return res;
      })
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }
}
