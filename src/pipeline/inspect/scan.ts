import fs from 'node:fs';

/** Byte location of one JSONL line, so a study's lines can be re-read without a full scan. */
export type LineLoc = [offset: number, length: number];

/**
 * Stream a JSONL file once, calling `onRecord` with each parsed line and its
 * byte location. Lines that do not parse (a torn last line) are skipped: the
 * writer's own reader reports them.
 */
export async function scanJsonl(
  file: string,
  onRecord: (rec: Record<string, unknown>, loc: LineLoc) => void,
  opts: { idOnly?: boolean } = {},
): Promise<void> {
  if (!fs.existsSync(file)) return;
  const stream = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  let carry: Buffer = Buffer.alloc(0);
  let base = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(0x0a, start); nl !== -1; nl = buf.indexOf(0x0a, start)) {
      emit(buf, start, nl, base, onRecord, opts.idOnly ?? false);
      start = nl + 1;
    }
    base += start;
    carry = buf.subarray(start);
  }
  // A final line without a newline is a torn write: skipped on purpose.
}

const ID_KEY = Buffer.from('"study_id":"');

function emit(
  buf: Buffer,
  start: number,
  end: number,
  base: number,
  onRecord: (rec: Record<string, unknown>, loc: LineLoc) => void,
  idOnly: boolean,
) {
  if (end <= start) return;
  if (idOnly) {
    // Big artifacts (report texts, QA pairs) only need their key here: read it
    // from the line's head instead of parsing megabytes of JSON.
    const at = buf.indexOf(ID_KEY, start);
    if (at !== -1 && at < Math.min(end, start + 512)) {
      const from = at + ID_KEY.length;
      const close = buf.indexOf(0x22, from);
      // An escaped id (backslash) takes the slow path below.
      if (close !== -1 && close < end && !buf.subarray(from, close).includes(0x5c)) {
        onRecord({ study_id: buf.toString('utf8', from, close) }, [base + start, end - start]);
        return;
      }
    }
  }
  try {
    const rec = JSON.parse(buf.toString('utf8', start, end)) as unknown;
    if (rec && typeof rec === 'object') onRecord(rec as Record<string, unknown>, [base + start, end - start]);
  } catch {
    /* not JSON: skipped */
  }
}

/** Read the records at the given locations (one open, positioned reads). */
export function readAt(file: string, locs: readonly LineLoc[]): Array<Record<string, unknown>> {
  if (locs.length === 0 || !fs.existsSync(file)) return [];
  const fd = fs.openSync(file, 'r');
  try {
    return locs.flatMap(([offset, length]) => {
      const b = Buffer.alloc(length);
      fs.readSync(fd, b, 0, length, offset);
      try {
        return [JSON.parse(b.toString('utf8')) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  } finally {
    fs.closeSync(fd);
  }
}
