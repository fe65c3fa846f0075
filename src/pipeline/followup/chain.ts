import { parseKeyInfo, type ParsedKeyInfo } from '../extract/parse.js';
import { exchangeFields } from '../extract/request.js';
import type { Judged, Verdict } from '../llm/batch.js';
import type { CompletionOk } from '../llm/types.js';
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
  /** Send the §8 conversation for one question; the reply judged against the current record. */
  ask(work: StudyWork, q: Question, current: Record<string, unknown>, text: string): Promise<Judged<ReplyVerdict>>;
  question(q: Question): string;
  log(row: FollowupLogRow): void;
  signal: AbortSignal;
}

export type ChainOutcome = { kind: 'done'; row: FollowupRow } | { kind: 'stopped' };

/** The record as the interrupted attempt left it: the `after` of its last logged question. */
export function resumePoint(work: Pick<StudyWork, 'start' | 'prior'>): Record<string, unknown> {
  const last = work.prior.at(-1);
  return fourKeys(last ? last.after : work.start);
}

export function tally(
  rows: readonly FollowupLogRow[],
): Pick<FollowupRow, 'asked' | 'applied' | 'parse_failures' | 'truncated' | 'filtered' | 'dropped' | 'failed'> {
  const n = (s: FollowupLogRow['status']) => rows.filter((r) => r.status === s).length;
  return {
    asked: rows.length - n('dropped'),
    applied: n('applied'),
    parse_failures: n('parse_error'),
    truncated: n('truncated'),
    filtered: n('filtered'),
    dropped: n('dropped'),
    // Runaways are failed requests too: the model never gave an answer.
    failed: n('failed') + n('runaway'),
  };
}

/**
 * A follow-up reply replaces the whole record, so a reply that was cut off (finish_reason
 * length, JSON that never closes) or that leaves out a key the record has filled would drop
 * findings: it is `truncated`, the record is kept, and only a cut-off earns a retry with a
 * larger max_tokens (a reply that simply lacks a key would lack it again).
 */
export type ReplyVerdict = ParsedKeyInfo & Verdict;

export function judgeReply(
  res: Pick<CompletionOk, 'text' | 'finishReason'>,
  current: Record<string, unknown>,
): ReplyVerdict {
  const parsed = parseKeyInfo(res.text, { finishReason: res.finishReason });
  if (parsed.status === 'truncated') return { ...parsed, reason: `${parsed.reason}; the record is kept`, cutOff: true };
  const lost = (parsed.missing ?? []).filter((k) => hasContent(current[k]));
  if (parsed.keyinfo && lost.length > 0) {
    return {
      status: 'truncated',
      keyinfo: null,
      reason: `the reply leaves out ${lost.join(', ')}, which the record has; the record is kept`,
      cutOff: false,
    };
  }
  return { ...parsed, cutOff: false };
}

function hasContent(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v && typeof v === 'object') return Object.keys(v).length > 0;
  return v !== undefined && v !== null && v !== '';
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
    const base = {
      study_id: work.study_id,
      cycle: work.cycle,
      seq: q.seq,
      polarity: q.polarity,
      entity: q.entity,
      question: text,
      before: current,
    };
    if (!stillNeeded(q, current)) {
      record({ ...base, after: current, status: 'dropped', reason: 'already present after an earlier answer' });
      continue;
    }
    const { res, verdict } = await deps.ask(work, q, current, text);
    if (res.kind === 'error' && (res.errorKind === 'aborted' || deps.signal.aborted)) return { kind: 'stopped' };
    const attempts = `after ${res.attempts} attempt${res.attempts === 1 ? '' : 's'}`;
    const sent = { ...base, ...exchangeFields(res) };
    if (res.kind === 'error') {
      // A decoding loop is the model's doing: its own status, not an endpoint failure.
      const status = res.errorKind === 'whitespace_loop' ? 'runaway' : 'failed';
      record({ ...sent, after: current, status, reason: `${res.errorKind}: ${res.message} (${attempts})` });
      continue;
    }
    if (res.kind === 'filtered') {
      record({ ...sent, after: current, status: 'filtered', reason: `content filter: ${res.reason}` });
      continue;
    }
    const parsed = verdict ?? judgeReply(res, current);
    if (parsed.status === 'parse_error' || parsed.status === 'truncated' || !parsed.keyinfo) {
      record({
        ...sent,
        after: current,
        status: parsed.status === 'truncated' ? 'truncated' : 'parse_error',
        reply_text: res.text,
        reason: parsed.reason ?? 'no JSON',
      });
      continue;
    }
    const after = applyReply(parsed.keyinfo);
    const changed = !sameRecord(current, after);
    // `after` is the parsed reply; the text itself is kept only when it did not parse.
    record({
      ...sent,
      after,
      status: changed ? 'applied' : 'unchanged',
      ...(parsed.reason ? { reason: parsed.reason } : {}),
    });
    current = after;
  }
  return { kind: 'done', row: { study_id: work.study_id, cycle: work.cycle, keyinfo: current, ...tally(rows) } };
}
