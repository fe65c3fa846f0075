import fs from 'node:fs';
import path from 'node:path';
import type { Run } from '../store/run.js';

/** A response as the LLM cache stores it (`llm/cache.ts`); every field checked before use. */
export interface CachedReply {
  text: string;
  finishReason: string | null;
  endpoint: string | null;
  usage: { prompt_tokens: number; completion_tokens: number } | null;
  at: string | null;
}

const PREFIX = '{"key":"';
const KEY_LEN = 64;
const CHUNK = 1 << 20;

/**
 * Read-only lookups in a run's response cache for the inspector. Unlike the step's
 * cache it never truncates a torn last line or creates the folder (a step may be
 * appending at that moment), and it indexes only the bytes added since its last look.
 */
export class CacheReader {
  private readonly index = new Map<string, [offset: number, length: number]>();
  private scanned = 0;
  /** One scan in progress at a time, shared by `warm` and `get`, so they never index a line twice. */
  private scan: Generator<void, void> | null = null;

  constructor(readonly file: string) {}

  get(key: string): CachedReply | null {
    if (!this.index.has(key)) this.catchUp();
    const loc = this.index.get(key);
    if (!loc) return null;
    const buf = Buffer.alloc(loc[1]);
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch {
      return null;
    }
    try {
      fs.readSync(fd, buf, 0, loc[1], loc[0]);
    } finally {
      fs.closeSync(fd);
    }
    try {
      return asReply(JSON.parse(buf.toString('utf8')));
    } catch {
      return null;
    }
  }

  /** Index whole lines written since the last scan; a line still being written is left for the next look. */
  private catchUp(): void {
    const scan = (this.scan ??= this.scanChunks());
    while (!scan.next().done);
  }

  /**
   * The same scan, yielding to the event loop between chunks, so a screen can show
   * "reading" instead of freezing while a large cache is indexed the first time.
   */
  async warm(): Promise<void> {
    const scan = (this.scan ??= this.scanChunks());
    while (!scan.next().done) await new Promise((r) => setImmediate(r));
  }

  private *scanChunks(): Generator<void, void> {
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch {
      this.scan = null;
      return;
    }
    try {
      const size = fs.fstatSync(fd).size;
      if (size < this.scanned) {
        // The file was replaced (a fresh extract moved it aside): start over.
        this.index.clear();
        this.scanned = 0;
      }
      let carry = Buffer.alloc(0);
      let carryAt = this.scanned;
      for (let pos = this.scanned; pos < size;) {
        const buf = Buffer.alloc(Math.min(CHUNK, size - pos));
        const n = fs.readSync(fd, buf, 0, buf.length, pos);
        if (n <= 0) break;
        pos += n;
        const data = carry.length ? Buffer.concat([carry, buf.subarray(0, n)]) : buf.subarray(0, n);
        let start = 0;
        for (;;) {
          const nl = data.indexOf(0x0a, start);
          if (nl < 0) break;
          this.indexLine(data, start, nl, carryAt);
          start = nl + 1;
        }
        carry = Buffer.from(data.subarray(start));
        carryAt += start;
        this.scanned = carryAt;
        if (pos < size) yield;
      }
    } finally {
      fs.closeSync(fd);
      this.scan = null;
    }
  }

  private indexLine(data: Buffer, start: number, end: number, base: number): void {
    if (end - start <= PREFIX.length + KEY_LEN) return;
    if (data.toString('latin1', start, start + PREFIX.length) !== PREFIX) return;
    const key = data.toString('latin1', start + PREFIX.length, start + PREFIX.length + KEY_LEN);
    // The first answer stored for a key is the one the cache serves.
    if (!this.index.has(key)) this.index.set(key, [base + start, end - start]);
  }
}

function asReply(v: unknown): CachedReply | null {
  if (!v || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  if (typeof o.text !== 'string') return null;
  const u = o.usage as Record<string, unknown> | null | undefined;
  return {
    text: o.text,
    finishReason: typeof o.finishReason === 'string' ? o.finishReason : null,
    endpoint: typeof o.endpoint === 'string' ? o.endpoint : null,
    usage:
      u && typeof u.prompt_tokens === 'number' && typeof u.completion_tokens === 'number'
        ? { prompt_tokens: u.prompt_tokens, completion_tokens: u.completion_tokens }
        : null,
    at: typeof o.at === 'string' ? o.at : null,
  };
}

const readers = new WeakMap<Run, CacheReader>();

/** One reader per open run, so the index is built once per inspector session. */
export function cacheReaderFor(run: Run): CacheReader {
  let r = readers.get(run);
  if (!r) {
    r = new CacheReader(path.join(run.dir, 'llm-cache', 'responses.jsonl'));
    readers.set(run, r);
  }
  return r;
}
