import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type { z } from 'zod';
import { fsyncAndClose } from '../util/fs.js';

/**
 * Append-only JSONL artifact keyed by study_id.
 *
 * Duplicate keys: the LAST line written for a key wins. Steps append a fresh
 * line when a record changes instead of rewriting the file, so the newest line
 * is the current value; readers that need history (the inspector) iterate all lines.
 *
 * Crash safety: each record is one write() of one full line. A crash can only
 * leave a torn final line (no trailing newline). Readers drop it and report it;
 * the first append after a crash moves those bytes to `<file>.torn` so they are
 * kept for inspection, and new lines never fuse onto the torn one.
 */
export interface KeyedRecord {
  study_id: string;
}

export interface ReadIssue {
  line: number;
  reason: 'torn_last_line' | 'invalid_json' | 'schema';
  detail: string;
}

export interface ReadOptions {
  onIssue?: (issue: ReadIssue) => void;
}

export class JsonlArtifact<T extends KeyedRecord> {
  private fd: number | null = null;

  constructor(
    readonly file: string,
    private readonly schema?: z.ZodType<T>,
  ) {}

  exists(): boolean {
    return fs.existsSync(this.file);
  }

  /** Append one record as one line. Synchronous so a record is in the OS cache before we move on. */
  append(record: T): void {
    this.appendMany([record]);
  }

  appendMany(records: readonly T[]): void {
    if (records.length === 0) return;
    const fd = this.openForAppend();
    let buf = '';
    for (const r of records) buf += JSON.stringify(r) + '\n';
    fs.writeSync(fd, buf);
  }

  /** Flush to disk (end of a step) and close the handle. */
  close(): void {
    if (this.fd !== null) {
      fsyncAndClose(this.fd);
      this.fd = null;
    }
  }

  /** Move the current file aside (kept as `<file>.<timestamp>.bak`) so a fresh run starts empty. */
  reset(): string | null {
    this.close();
    if (!this.exists()) return null;
    const aside = `${this.file}.${new Date().toISOString().replace(/[:.]/g, '-')}.bak`;
    fs.renameSync(this.file, aside);
    return aside;
  }

  /** Every valid line in file order (duplicates included). */
  async *lines(opts: ReadOptions = {}): AsyncGenerator<T> {
    if (!this.exists()) return;
    const endsWithNewline = lastByteIsNewline(this.file);
    const input = fs.createReadStream(this.file, { encoding: 'utf8', highWaterMark: 1 << 20 });
    const rl = readline.createInterface({ input, crlfDelay: Infinity });
    let lineNo = 0;
    let pending: string | null = null;
    // Hold one line back so we know which line is the last one.
    for await (const line of rl) {
      if (pending !== null) {
        const rec = this.parse(pending, lineNo, false, opts);
        if (rec) yield rec;
      }
      lineNo++;
      pending = line;
    }
    if (pending !== null && pending.length > 0) {
      const rec = this.parse(pending, lineNo, !endsWithNewline, opts);
      if (rec) yield rec;
    }
  }

  /** Current value per key (last line wins). */
  async readMap(opts: ReadOptions = {}): Promise<Map<string, T>> {
    const map = new Map<string, T>();
    for await (const rec of this.lines(opts)) map.set(rec.study_id, rec);
    return map;
  }

  async keys(opts: ReadOptions = {}): Promise<Set<string>> {
    const keys = new Set<string>();
    for await (const rec of this.lines(opts)) keys.add(rec.study_id);
    return keys;
  }

  private parse(line: string, lineNo: number, isTornCandidate: boolean, opts: ReadOptions): T | null {
    if (line.trim() === '') return null;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      opts.onIssue?.({
        line: lineNo,
        reason: isTornCandidate ? 'torn_last_line' : 'invalid_json',
        detail: isTornCandidate
          ? `last line of ${path.basename(this.file)} is incomplete (interrupted write); dropped`
          : `line ${lineNo}: ${(err as Error).message}`,
      });
      return null;
    }
    if (!this.schema) return value as T;
    const parsed = this.schema.safeParse(value);
    if (!parsed.success) {
      opts.onIssue?.({
        line: lineNo,
        reason: 'schema',
        detail: `line ${lineNo}: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
      });
      return null;
    }
    return parsed.data;
  }

  private openForAppend(): number {
    if (this.fd !== null) return this.fd;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    if (this.exists()) this.setAsideTornTail();
    this.fd = fs.openSync(this.file, 'a');
    return this.fd;
  }

  private setAsideTornTail(): void {
    const size = fs.statSync(this.file).size;
    if (size === 0 || lastByteIsNewline(this.file)) return;
    const fd = fs.openSync(this.file, 'r+');
    try {
      // Scan back for the last newline; everything after it is the torn line.
      const chunk = 64 * 1024;
      let pos = size;
      let cut = 0;
      const buf = Buffer.alloc(chunk);
      while (pos > 0) {
        const start = Math.max(0, pos - chunk);
        const n = fs.readSync(fd, buf, 0, pos - start, start);
        const idx = buf.subarray(0, n).lastIndexOf(0x0a);
        if (idx >= 0) {
          cut = start + idx + 1;
          break;
        }
        pos = start;
      }
      const torn = Buffer.alloc(size - cut);
      fs.readSync(fd, torn, 0, torn.length, cut);
      fs.appendFileSync(`${this.file}.torn`, Buffer.concat([torn, Buffer.from('\n')]));
      fs.ftruncateSync(fd, cut);
    } finally {
      fs.closeSync(fd);
    }
  }
}

function lastByteIsNewline(file: string): boolean {
  const size = fs.statSync(file).size;
  if (size === 0) return true;
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(1);
    fs.readSync(fd, b, 0, 1, size - 1);
    return b[0] === 0x0a;
  } finally {
    fs.closeSync(fd);
  }
}
