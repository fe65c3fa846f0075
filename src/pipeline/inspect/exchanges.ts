import { modelText } from '../extract/request.js';
import { addedNames, fourKeys } from '../followup/apply.js';
import { followupMessages } from '../followup/prompts.js';
import { retryMaxTokens } from '../llm/batch.js';
import {
  BUILTIN_PROMPTS,
  decodingParams,
  extractionMessages,
  KEYINFO_RESPONSE_SCHEMA,
  loadPrompt,
  parseLlmConfig,
  requestKey,
  resolveProfile,
  type ChatMessage,
  type LlmProfile,
} from '../llm/index.js';
import type { Run } from '../store/run.js';
import { cacheReaderFor, type CacheReader, type CachedReply } from './cacheReader.js';
import { repairOf, type RepairView } from './repairView.js';
import type { StudyDetail } from './studyIndex.js';

/**
 * The LLM requests behind one study, per stage (extract, each follow-up question,
 * kept re-runs), for the inspector. Rows keep how a request went but not its
 * messages (they hold the report text): the messages are rebuilt from the prompt
 * files and the records, and the rebuild is checked against the recorded request
 * key. Replies come from the row when it kept them, else from the response cache.
 */

export type MessagesCheck =
  /** The rebuilt request hashes to the recorded key (or to a key the cache holds): these are the messages sent. */
  | 'matches'
  /** Rebuilt with today's prompt files and settings; the recorded key differs, so something changed since. */
  | 'differs'
  /** Rebuilt, but nothing was recorded to check it against. */
  | 'unchecked';

export interface LlmExchange {
  stage: string;
  kind: 'extract' | 'rerun' | 'followup';
  status: string;
  reason: string | null;
  /** False for a follow-up question dropped before it was sent. */
  sent: boolean;
  messages: ChatMessage[] | null;
  check: MessagesCheck | null;
  /** How the messages were obtained, or why they could not be. */
  messagesNote: string;
  reply: string | null;
  replyNote: string;
  repair: RepairView | null;
  /** Null: not recorded (rows written before these fields existed). */
  usage: { prompt_tokens: number; completion_tokens: number } | null;
  latencyMs: number | null;
  endpoint: string | null;
  cached: boolean | null;
  attempts: number | null;
  model: string | null;
  requestKey: string | null;
  at: string | null;
  followup: {
    cycle: number | null;
    question: string;
    polarity: string;
    entity: string;
    /** What the answer changed in the record: "+ entity: x", "- no_entity: y". */
    changes: string[];
  } | null;
}

export interface StudyExchanges {
  llmUsed: boolean;
  /** Why the list is empty, or what the list is. */
  note: string;
  exchanges: LlmExchange[];
}

type Row = Record<string, unknown>;

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null);

function usageOf(v: unknown): LlmExchange['usage'] {
  if (!v || typeof v !== 'object') return null;
  const u = v as Row;
  const p = num(u.prompt_tokens);
  const c = num(u.completion_tokens);
  return p !== null && c !== null ? { prompt_tokens: p, completion_tokens: c } : null;
}

/** The run's profiles (top level first), or the reason there are none. */
function profilesOf(run: Run): LlmProfile[] | string {
  try {
    const cfg = parseLlmConfig(run.state.config.llm);
    return ['', ...Object.keys(cfg.profiles)].map((n) => resolveProfile(run.state.config, n || undefined));
  } catch (err) {
    return (err as Error).message;
  }
}

interface Rebuilt {
  messages: ChatMessage[];
  check: MessagesCheck;
  key: string | null;
}

/**
 * Try every way the request could have been sent (each profile, structured output on or
 * off, the normal and the cut-off retry's max_tokens) and keep the one whose key is
 * recorded (or, without a recorded key, held by the cache). The first build stands in
 * when none matches.
 */
function rebuild(
  profiles: LlmProfile[],
  model: string | null,
  builds: (p: LlmProfile) => ChatMessage[][],
  recorded: string | null,
  cache: CacheReader,
): Rebuilt | null {
  let fallback: ChatMessage[] | null = null;
  for (const p of profiles) {
    const dec = decodingParams(p);
    const larger = retryMaxTokens(p, dec.max_tokens);
    const params = larger === null ? [dec] : [dec, { ...dec, max_tokens: larger }];
    const schemas =
      p.structured === 'off' ? [undefined, KEYINFO_RESPONSE_SCHEMA] : [KEYINFO_RESPONSE_SCHEMA, undefined];
    for (const messages of builds(p)) {
      fallback ??= messages;
      for (const pr of params)
        for (const responseSchema of schemas) {
          const key = requestKey({ model: model ?? p.model ?? '', messages, params: pr, responseSchema });
          if (recorded ? key === recorded : cache.get(key) !== null) return { messages, check: 'matches', key };
        }
    }
  }
  return fallback ? { messages: fallback, check: recorded ? 'differs' : 'unchecked', key: null } : null;
}

/** The prompt texts a request may have used: the profile's own first, then the bundled ones. */
function promptTexts(p: LlmProfile): string[] {
  const out: string[] = [];
  for (const id of [p.prompt, ...Object.keys(BUILTIN_PROMPTS)]) {
    try {
      const t = loadPrompt(id).text;
      if (!out.includes(t)) out.push(t);
    } catch {
      /* an unreadable prompt file cannot have produced a match */
    }
  }
  return out;
}

const CHECK_NOTE: Record<MessagesCheck, string> = {
  matches: 'rebuilt from the prompt files and the records; they hash to the recorded request key',
  differs:
    "rebuilt from today's prompt files and settings; they do NOT hash to the recorded request key (the prompt, model or decoding changed since)",
  unchecked: "rebuilt from today's prompt files and settings; no request key was recorded to check them",
};

/** The request's messages rebuilt from the report text and the profiles, or why they cannot be. */
function rebuildFor(
  reportText: string | null,
  profiles: LlmProfile[] | string,
  build: (profiles: LlmProfile[], reportText: string) => Rebuilt | null,
): { messages: Rebuilt | null; note: string } {
  if (reportText === null) return { messages: null, note: 'cannot be rebuilt: the report record is missing' };
  if (typeof profiles === 'string') return { messages: null, note: `cannot be rebuilt: ${profiles}` };
  const messages = build(profiles, reportText);
  return { messages, note: messages ? CHECK_NOTE[messages.check] : 'cannot be rebuilt: no prompt file is readable' };
}

function replyFrom(
  kept: string | null,
  key: string | null,
  cache: CacheReader,
): { text: string | null; note: string; hit: CachedReply | null } {
  const hit = key ? cache.get(key) : null;
  if (kept !== null) return { text: kept, note: 'kept in the result row', hit };
  if (hit) return { text: hit.text, note: 'from the response cache', hit };
  return {
    text: null,
    note: key ? 'not kept (not in the response cache)' : 'not kept (no request key recorded)',
    hit: null,
  };
}

function baseFields(row: Row, hit: CachedReply | null) {
  return {
    reason: str(row.reason),
    usage: usageOf(row.usage) ?? hit?.usage ?? null,
    latencyMs: num(row.latency_ms),
    endpoint: str(row.endpoint) ?? hit?.endpoint ?? null,
    cached: bool(row.cached),
    attempts: num(row.attempts),
    at: str(row.at),
  };
}

function extractExchange(
  row: Row,
  stage: string,
  reportText: string | null,
  profiles: LlmProfile[] | string,
  cache: CacheReader,
): LlmExchange {
  const recorded = str(row.request_key);
  const model = str(row.model);
  const { messages, note: messagesNote } = rebuildFor(reportText, profiles, (ps, text) =>
    rebuild(
      ps,
      model,
      (p) => promptTexts(p).map((t) => extractionMessages({ id: '', file: '', sha: '', text: t }, text)),
      recorded,
      cache,
    ),
  );
  const reply = replyFrom(str(row.raw_text), recorded, cache);
  return {
    stage,
    kind: row.via === 'rerun' ? 'rerun' : 'extract',
    status: str(row.status) ?? '?',
    sent: true,
    messages: messages?.messages ?? null,
    check: messages?.check ?? null,
    messagesNote,
    reply: reply.text,
    replyNote: reply.note,
    repair: reply.text !== null ? repairOf(reply.text, reply.hit?.finishReason ?? null) : null,
    model,
    requestKey: recorded,
    followup: null,
    ...baseFields(row, reply.hit),
  };
}

function recordChanges(before: unknown, after: unknown): string[] {
  const out: string[] = [];
  for (const k of ['entity', 'no_entity'] as const) {
    for (const n of addedNames(before, after, k)) out.push(`+ ${k}: ${n}`);
    for (const n of addedNames(after, before, k)) out.push(`- ${k}: ${n}`);
  }
  return out;
}

function followupExchange(
  row: Row,
  reportText: string | null,
  profiles: LlmProfile[] | string,
  cache: CacheReader,
): LlmExchange {
  const cycle = num(row.cycle);
  const seq = num(row.seq);
  const question = str(row.question) ?? '';
  const status = str(row.status) ?? '?';
  const sent = status !== 'dropped';
  const recorded = str(row.request_key);
  const { messages, note: messagesNote } = sent
    ? rebuildFor(reportText, profiles, (ps, text) => {
        const current = fourKeys(row.before);
        // The follow-up step asks with the top-level profile only.
        return rebuild(
          ps.slice(0, 1),
          null,
          (p) => promptTexts(p).map((system) => followupMessages(system, text, current, question)),
          recorded,
          cache,
        );
      })
    : { messages: null, note: 'not sent' };
  const key = recorded ?? messages?.key ?? null;
  const reply = sent ? replyFrom(str(row.reply_text), key, cache) : { text: null, note: 'not sent', hit: null };
  return {
    stage: `follow-up c${cycle ?? '?'} q${seq === null ? '?' : seq + 1}`,
    kind: 'followup',
    status,
    sent,
    messages: messages?.messages ?? null,
    check: messages?.check ?? null,
    messagesNote,
    reply: reply.text,
    replyNote: reply.note,
    repair: reply.text !== null ? repairOf(reply.text, reply.hit?.finishReason ?? null) : null,
    model: null,
    requestKey: key,
    followup: {
      cycle,
      question,
      polarity: str(row.polarity) ?? '?',
      entity: str(row.entity) ?? '?',
      changes: recordChanges(row.before, row.after),
    },
    ...baseFields(row, reply.hit),
  };
}

/** Index the run's response cache without blocking (the first `studyExchanges` on a large cache then returns at once). */
export function warmResponseCache(run: Run): Promise<void> {
  return cacheReaderFor(run).warm();
}

/** Every LLM exchange recorded for one study, oldest first. */
export function studyExchanges(run: Run, detail: StudyDetail): StudyExchanges {
  const llmRows = detail.extractions.filter((r) => r.backend === 'llm');
  if (llmRows.length === 0 && detail.followupLog.length === 0) {
    const rules = detail.extractions.some((r) => r.backend === 'rules');
    return {
      llmUsed: false,
      note: rules
        ? 'No LLM was used for this report: its KeyInfo comes from the rule-based reference (backend rules).'
        : 'No LLM request for this report yet: the extract step has not run for it.',
      exchanges: [],
    };
  }
  const profiles = profilesOf(run);
  const cache = cacheReaderFor(run);
  const r = detail.report;
  // The text the model saw, as extract and follow-up chose it; a record missing its fields cannot be rebuilt.
  const reportText =
    r && typeof r.text === 'string'
      ? modelText({ selected: typeof r.selected === 'string' ? r.selected : '', text: r.text })
      : null;
  const exchanges: LlmExchange[] = [];
  let extractN = 0;
  for (const [i, row] of llmRows.entries()) {
    const last = i === llmRows.length - 1;
    const stage =
      row.via === 'rerun'
        ? `re-run${last ? '' : ' (replaced)'}`
        : `extract${++extractN > 1 ? ` #${extractN}` : ''}${last ? '' : ' (replaced)'}`;
    exchanges.push(extractExchange(row, stage, reportText, profiles, cache));
  }
  const log = [...detail.followupLog].sort(
    (a, b) => (num(a.cycle) ?? 0) - (num(b.cycle) ?? 0) || (num(a.seq) ?? 0) - (num(b.seq) ?? 0),
  );
  for (const row of log) exchanges.push(followupExchange(row, reportText, profiles, cache));
  const asked = exchanges.filter((e) => e.sent).length;
  return {
    llmUsed: true,
    note: `${asked} request${asked === 1 ? '' : 's'}: ${llmRows.length} extraction${llmRows.length === 1 ? '' : 's'}, ${log.length} follow-up question${log.length === 1 ? '' : 's'}`,
    exchanges,
  };
}
