import { createHash } from 'node:crypto';
import type { ServedFault } from './loopback-faults.js';

/**
 * Which results of a run hold a reply the loopback server cut off, from the
 * server's record (GET /__faults) and the run's artifacts (bench:llm-faults).
 */

export interface RawRow {
  study_id: string;
  status: string;
  request_key?: string;
}

export interface CachedAnswer {
  key: string;
  text: string;
  finishReason: string;
}

export interface FollowupLogRow {
  study_id: string;
  question: string;
  status: string;
}

export interface TruncationCount {
  count: number;
  /** `status ← fault/variant`, e.g. `ok ← truncate/complete-length`. */
  by: Record<string, number>;
  /** Accepted results with no served reply to match (they are not counted either way). */
  unmatched: number;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const cutOff = (f: ServedFault | undefined) =>
  f !== undefined && (f.finishReason === 'length' || f.fault === 'truncate');
function tally(out: TruncationCount, status: string, f: ServedFault): void {
  out.count++;
  const k = `${status} ← ${f.fault}${f.variant ? `/${f.variant}` : ''}`;
  out.by[k] = (out.by[k] ?? 0) + 1;
}

const ACCEPTED_ROW = new Set(['ok', 'repaired']);
const ACCEPTED_ANSWER = new Set(['applied', 'unchanged']);

/**
 * The served reply a `raw` row holds: among the replies served under its
 * request_key, the one with the cached text and finish reason (a hedged or
 * retried request may have had several), else the last one served.
 */
export function servedFor(
  row: RawRow,
  byKey: ReadonlyMap<string, ServedFault[]>,
  cache: ReadonlyMap<string, CachedAnswer>,
): ServedFault | null {
  const served = (row.request_key ? byKey.get(row.request_key) : undefined)?.filter((f) => f.textSha) ?? [];
  const cached = row.request_key ? cache.get(row.request_key) : undefined;
  if (cached) {
    const s = sha(cached.text);
    const same = served.filter((f) => f.textSha === s && (f.finishReason ?? 'stop') === cached.finishReason);
    if (same.length) return same[same.length - 1]!;
    // The cache itself says the answer was cut off, whatever the server record shows.
    if (cached.finishReason === 'length')
      return {
        seq: 0,
        study: row.study_id,
        attempt: 0,
        ask: '',
        fault: 'truncate',
        variant: 'cached-length',
        key: row.request_key!,
        finishReason: 'length',
      };
  }
  return served[served.length - 1] ?? null;
}

/** Final rows (last per study) with status ok or repaired whose reply was cut off. */
export function truncatedRows(
  rows: Iterable<RawRow>,
  served: readonly ServedFault[],
  cache: Iterable<CachedAnswer>,
): TruncationCount {
  const byKey = new Map<string, ServedFault[]>();
  for (const f of served) byKey.set(f.key, [...(byKey.get(f.key) ?? []), f]);
  const cached = new Map<string, CachedAnswer>();
  for (const c of cache) cached.set(c.key, c);
  const last = new Map<string, RawRow>();
  for (const r of rows) last.set(r.study_id, r);
  const out: TruncationCount = { count: 0, by: {}, unmatched: 0 };
  for (const row of last.values()) {
    if (!ACCEPTED_ROW.has(row.status)) continue;
    const f = servedFor(row, byKey, cached);
    if (!f) out.unmatched++;
    if (!cutOff(f ?? undefined)) continue;
    tally(out, row.status, f!);
  }
  return out;
}

/** Follow-up answers that were applied or left the record unchanged although their reply was cut off (matched by study and question). */
export function truncatedAnswers(log: Iterable<FollowupLogRow>, served: readonly ServedFault[]): TruncationCount {
  const byAsk = new Map<string, ServedFault[]>();
  for (const f of served)
    if (f.textSha) byAsk.set(`${f.study} ${f.ask}`, [...(byAsk.get(`${f.study} ${f.ask}`) ?? []), f]);
  const out: TruncationCount = { count: 0, by: {}, unmatched: 0 };
  for (const row of log) {
    if (!ACCEPTED_ANSWER.has(row.status)) continue;
    const got = byAsk.get(`${row.study_id} ${sha(row.question).slice(0, 16)}`);
    if (!got) out.unmatched++;
    const f = got?.[got.length - 1];
    if (!cutOff(f)) continue;
    tally(out, row.status, f!);
  }
  return out;
}
