import fs from 'node:fs';

/**
 * Helpers for the append-only JSONL files indexed by byte offset (the response
 * cache, the batch answers): read one line back, walk the lines of a file's bytes.
 */

/** The line at `offset` (`length` bytes, no newline), through `fd` when open, else the file opened for the read. */
export function readLineAt(file: string, fd: number | null, offset: number, length: number): string {
  const buf = Buffer.alloc(length);
  const rfd = fd ?? fs.openSync(file, 'r');
  try {
    fs.readSync(rfd, buf, 0, length, offset);
  } finally {
    if (rfd !== fd) fs.closeSync(rfd);
  }
  return buf.toString('utf8');
}

/** Calls `each` with the bounds of every whole line; returns where the whole lines end (a torn tail starts there). */
export function scanLines(data: Buffer, each: (start: number, end: number) => void): number {
  let start = 0;
  for (;;) {
    const nl = data.indexOf(0x0a, start);
    if (nl < 0) return start;
    each(start, nl);
    start = nl + 1;
  }
}
