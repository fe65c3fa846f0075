import { parseKeyInfo, type ParsedKeyInfo } from '../extract/parse.js';
import { CLOSED_CUT_OFF, CLOSED_UNBALANCED } from '../llm/json.js';
import type { CompletionResult } from '../llm/types.js';
import { applyReply, fourKeys, sameRecord } from './apply.js';
import { questionKey, stillNeeded, type Question } from './plan.js';
import type { FollowupLogRow, FollowupRow } from './schema.js';

/**
 * One study's follow-up questions for one cycle, strictly one after another:
 * each answer changes the JSON the next question shows the model. The log row
 * of an answer is written before the next question is sent, so a killed run
 * never asks an answered question again and never loses an answer.
 */

export interface StudyWork {
  study_id: string;
  cycle: number;
  /** The text the model saw at extraction (selected section, else the whole report). */
  report: string;
  /** The standardized record the cycle started from. */
  start: unknown;
  plan: Question[];
  /** Log rows of this study and cycle from an earlier, interrupted attempt. */
  prior: FollowupLogRow[];
}

export interface ChainDeps {
  /** Send the §8 conversation for one question; resolves to the layer's result value. */
  ask(work: StudyWork, q: Question, current: Record<string, unknown>, text: string): Promise<CompletionResult>;
  question(q: Question): string;
  log(row: FollowupLogRow): void;
  /** Errors that will hit every request the same way: the step stops. */
  isFatal(res: CompletionResult): boolean;
  signal: AbortSignal;
}

export type ChainOutcome = { kind: 'done'; row: FollowupRow } | { kind: 'stopped' } | { kind: 'fatal'; message: string };

/** The record as the interrupted attempt left it: the `after` of its last logged question. */
export function resumePoint(work: Pick<StudyWork, 'start' | 'prior'>): Record<string, unknown> {
  const last = work.prior.at(-1);
  return fourKeys(last ? last.after : work.start);
}

export function tally(rows: readonly FollowupLogRow[]): Pick<FollowupRow, 'asked' | 'applied' | 'parse_failures' | 'dropped' | 'failed'> {
  const n = (s: FollowupLogRow['status']) => rows.filter((r) => r.status === s).length;
  return {
    asked: rows.length - n('dropped'),
    applied: n('applied'),
    parse_failures: n('parse_error'),
    dropped: n('dropped'),
    failed: n('failed'),
  };
}

/**
 * A follow-up reply replaces the whole record, so a reply whose JSON was cut
 * off (closed by the repair) would drop every key and finding after the cut:
 * it counts as not parsed and the record is kept.
 */
export function parseReply(text: string, truncated: boolean): ParsedKeyInfo {
  const parsed = parseKeyInfo(text, { truncated });
  const reason = parsed.reason ?? '';
  if (parsed.status === 'repaired' && (reason.includes(CLOSED_UNBALANCED) || reason.includes(CLOSED_CUT_OFF))) {
    return { status: 'parse_error', keyinfo: null, reason: `the reply's JSON is cut off (${reason}); the record is kept` };
  }
  return parsed;
}

export async function runChain(work: StudyWork, deps: ChainDeps): Promise<ChainOutcome> {
  let current = resumePoint(work);
  const rows = [...work.prior];
  const answered = new Set(work.prior.map((r) => questionKey(r)));
  const record = (row: FollowupLogRow) => {
    deps.log(row);
    rows.push(row);
  };
  for (const q of work.plan) {
    if (answered.has(questionKey(q))) continue;
    if (deps.signal.aborted) return { kind: 'stopped' };
    const text = deps.question(q);
    const base = { study_id: work.study_id, cycle: work.cycle, seq: q.seq, polarity: q.polarity, entity: q.entity, question: text, before: current };
    if (!stillNeeded(q, current)) {
      record({ ...base, after: current, status: 'dropped', reason: 'already present after an earlier answer' });
      continue;
    }
    const res = await deps.ask(work, q, current, text);
    if (res.kind === 'error' && (res.errorKind === 'aborted' || deps.signal.aborted)) return { kind: 'stopped' };
    if (deps.isFatal(res)) return { kind: 'fatal', message: res.kind === 'error' ? res.message : 'fatal' };
    if (res.kind === 'error') {
      record({ ...base, after: current, status: 'failed', reason: `${res.errorKind}: ${res.message} (after ${res.attempts} attempt${res.attempts === 1 ? '' : 's'})` });
      continue;
    }
    if (res.kind === 'filtered') {
      record({ ...base, after: current, status: 'failed', reason: `content filter: ${res.reason}` });
      continue;
    }
    const parsed = parseReply(res.text, res.finishReason === 'length');
    if (parsed.status === 'parse_error' || !parsed.keyinfo) {
      record({ ...base, after: current, status: 'parse_error', reply_text: res.text, reason: parsed.reason ?? 'no JSON' });
      continue;
    }
    const after = applyReply(parsed.keyinfo);
    const changed = !sameRecord(current, after);
    // `after` is the parsed reply; the text itself is kept only when it did not parse.
    record({ ...base, after, status: changed ? 'applied' : 'unchanged', ...(parsed.reason ? { reason: parsed.reason } : {}) });
    current = after;
  }
  return { kind: 'done', row: { study_id: work.study_id, cycle: work.cycle, keyinfo: current, ...tally(rows) } };
}
