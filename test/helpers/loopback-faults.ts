import { createHash } from 'node:crypto';
import { requestKey } from '../../src/pipeline/llm/key.js';
import type { ChatBody, Reply, SeenRequest } from './loopback-server.js';

/**
 * Failures the way real OpenAI-compatible servers show them (test code, not a
 * product feature): what a reply looks like when the model ran out of tokens,
 * wrapped its JSON in prose, or spun on whitespace, and a seeded mix of those
 * with transport faults (429, 5xx, hangs, resets) for benchmarks. Everything
 * here is JSON-serializable or derived from JSON, so the loopback server can
 * build the same mix in a child process.
 */

export const FAULT_KINDS = [
  'rate_limit',
  'server',
  'hang',
  'reset',
  'schema_refused',
  'garbage',
  'truncate',
  'content_filter',
  'fenced',
  'prose',
  'whitespace',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * Faults decided before the model runs (gateway, rate limiter, network): they
 * are drawn again for every attempt, so a retry usually gets through.
 */
const TRANSIENT: readonly FaultKind[] = ['rate_limit', 'server', 'hang', 'reset', 'schema_refused'];
/**
 * Faults in what the model writes: at temperature 0 the same request (messages,
 * decoding params, schema) gives the same tokens, so a retry gets the same
 * fault; a changed request (more max_tokens, no schema) is drawn again, and so
 * is every attempt above temperature 0.
 */
const STICKY: readonly FaultKind[] = ['garbage', 'truncate', 'content_filter', 'fenced', 'prose', 'whitespace'];

/** The mixed fault rates the fault benchmark serves (bench/llm-faults.ts), a few percent of each kind. */
export const MIXED_RATES: FaultMixOptions['rates'] = {
  rate_limit: 0.05,
  server: 0.02,
  hang: 0.01,
  reset: 0.01,
  garbage: 0.01,
  truncate: 0.025,
  content_filter: 0.005,
  fenced: 0.02,
  prose: 0.02,
  whitespace: 0.005,
};

export interface FaultMixOptions {
  seed: number | string;
  /** Probability per attempt (transient kinds) or per study (model-output kinds). */
  rates: Partial<Record<FaultKind, number>>;
  /** The clean answer (KeyInfo JSON text); default DEFAULT_KEYINFO. */
  answer?: string;
  /** A hung request is dropped after this long (a gateway's own timeout); default never. */
  hangMs?: number;
}

/** What the server did for one request, as `GET /__faults` reports it. */
export interface ServedFault {
  seq: number;
  study: string;
  /** 1 for the first request for this study, 2 for the next, ... */
  attempt: number;
  /** First 16 hex of sha256 of the last user message (the report, or a follow-up question). */
  ask: string;
  fault: FaultKind | 'none';
  /** Sub-kind: `random-cut`, `inner-brace`, `complete-length`, `500`, `before-headers`, ... */
  variant?: string;
  /** The client's cache key for this request (src/pipeline/llm/key.ts), as far as the body shows it. */
  key: string;
  /** sha256 of the content served, for replies that carry text. */
  textSha?: string;
  finishReason?: string;
}

export interface FaultReport {
  counts: Record<string, number>;
  requests: ServedFault[];
}

export type FaultRespond = ((req: SeenRequest) => Reply) & { ledger: FaultLedger };

/** A study id from a `STUDY <id>` marker in the text (all messages of a request), else a hash of the text. */
export function studyOf(userText: string): string {
  const m = /\bSTUDY\s+([A-Za-z0-9_.-]+)/.exec(userText);
  if (m) return m[1]!.replace(/[.]+$/, '');
  return `u${sha(userText).slice(0, 12)}`;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** mulberry32 seeded by FNV-1a of the parts: the same parts give the same draws. */
export function seededRng(...parts: Array<string | number>): () => number {
  let h = 0x811c9dc5;
  for (const ch of parts.join('\u0000')) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The cache key the client computed for this body (params are what it sent besides model, messages and transport fields). */
export function bodyKey(body: ChatBody): string {
  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    if (['model', 'messages', 'stream', 'stream_options', 'response_format'].includes(k)) continue;
    if (v !== null && v !== undefined) params[k] = v;
  }
  const rf = body.response_format as { json_schema?: { name: string; schema: Record<string, unknown> } } | undefined;
  const schema = rf?.json_schema ? { name: rf.json_schema.name, schema: rf.json_schema.schema } : undefined;
  return requestKey({
    model: body.model,
    messages: body.messages as never,
    params,
    ...(schema ? { responseSchema: schema } : {}),
  });
}

/** Cut at a random character (at least one kept, at least one dropped). */
export function cutAtRandom(text: string, rng: () => number): string {
  if (text.length < 2) return '';
  return text.slice(0, 1 + Math.floor(rng() * (text.length - 1)));
}

/**
 * Cut right after a closing brace of an inner object, so the text from the
 * first `{` to the last `}` looks like an object that ended on purpose and a
 * JSON repair closes it without complaint. Falls back to a random cut.
 */
export function cutAfterInnerBrace(text: string, rng: () => number): string {
  const ends: number[] = [];
  let depth = 0;
  let inStr = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (inStr) {
      if (ch === '\\') i++;
      else if (ch === '"') inStr = false;
      continue;
    }
    if (ch === '"') inStr = true;
    else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') {
      depth--;
      if (ch === '}' && depth >= 1) ends.push(i + 1);
    }
  }
  if (ends.length === 0) return cutAtRandom(text, rng);
  return text.slice(0, ends[Math.floor(rng() * ends.length)]!);
}

/** The study a request is about: the marker may sit in an earlier turn (follow-up questions). */
export function studyOfRequest(req: SeenRequest): string {
  const all = req.body.messages.map((m) => m.content).join('\n');
  return /\bSTUDY\s+[A-Za-z0-9]/.test(all) ? studyOf(all) : studyOf(req.userText);
}

export const askHash = (userText: string) => sha(userText).slice(0, 16);

export const fenced = (answer: string) => '```json\n' + answer + '\n```';
export const proseWrapped = (answer: string) =>
  `Here is the key information extracted from the report:\n\n${answer}\n\nLet me know if you need anything else.`;
const GARBAGE = [
  'I am sorry, but I cannot provide a structured summary of this report.',
  'The report describes the chest radiograph. Findings are as stated above.',
  'Sure! The patient has a small effusion and no pneumothorax.',
];

/** The reply for one fault kind; `rng` picks the variant. */
function replyFor(
  kind: FaultKind,
  answer: string,
  body: ChatBody,
  rng: () => number,
  hangMs: number | undefined,
): { reply: Reply; variant?: string } {
  switch (kind) {
    case 'rate_limit': {
      const v = Math.floor(rng() * 3);
      // OpenAI sends both headers; Azure only seconds; some gateways nothing.
      if (v === 0)
        return {
          reply: { status: 429, retryAfter: 1, retryAfterMs: 200 + Math.round(rng() * 800) },
          variant: 'retry-after-ms',
        };
      if (v === 1) return { reply: { status: 429, retryAfter: 1 + Math.floor(rng() * 2) }, variant: 'retry-after' };
      return { reply: { status: 429 }, variant: 'no-header' };
    }
    case 'server':
      return rng() < 0.6
        ? { reply: { status: 500, message: 'The server had an error while processing your request.' }, variant: '500' }
        : {
            reply: { status: 503, message: 'The engine is currently overloaded, please try again later.' },
            variant: '503',
          };
    case 'hang':
      if (body.stream && rng() < 0.5)
        return {
          reply: { content: answer, stallAfterChunks: 1, ...(hangMs !== undefined ? { closeAfterMs: hangMs } : {}) },
          variant: 'stall-after-first-chunk',
        };
      return {
        reply: { hang: true, ...(hangMs !== undefined ? { closeAfterMs: hangMs } : {}) },
        variant: 'before-headers',
      };
    case 'reset':
      return body.stream && rng() < 0.5
        ? { reply: { reset: true, afterChunks: 1 }, variant: 'mid-stream' }
        : { reply: { reset: true, afterChunks: 0 }, variant: 'before-headers' };
    case 'schema_refused':
      return {
        reply: {
          status: 400,
          message: "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.",
        },
        variant: 'json_schema',
      };
    case 'garbage':
      return { reply: { content: GARBAGE[Math.floor(rng() * GARBAGE.length)]! } };
    case 'truncate': {
      const v = Math.floor(rng() * 3);
      if (v === 0)
        return { reply: { content: cutAtRandom(answer, rng), finishReason: 'length' }, variant: 'random-cut' };
      if (v === 1)
        return { reply: { content: cutAfterInnerBrace(answer, rng), finishReason: 'length' }, variant: 'inner-brace' };
      return { reply: { content: answer, finishReason: 'length' }, variant: 'complete-length' };
    }
    case 'content_filter':
      return rng() < 0.5
        ? { reply: { contentFilter: 'prompt' }, variant: 'prompt' }
        : { reply: { contentFilter: 'completion' }, variant: 'completion' };
    case 'fenced':
      return { reply: { content: fenced(answer) } };
    case 'prose':
      return { reply: { content: proseWrapped(answer) } };
    case 'whitespace': {
      // Guided decoding that loses its way pads with newlines and spaces until max_tokens.
      const cut = cutAfterInnerBrace(answer, rng);
      return {
        reply: {
          whitespaceLoop: Math.min(8192, 4 * (body.max_tokens ?? 2048)),
          prefix: cut,
          char: rng() < 0.5 ? '\n' : ' ',
        },
        variant: 'after-prefix',
      };
    }
  }
}

function pickKind(kinds: readonly FaultKind[], rates: FaultMixOptions['rates'], u: number): FaultKind | null {
  let acc = 0;
  for (const k of kinds) {
    acc += rates[k] ?? 0;
    if (u < acc) return k;
  }
  return null;
}

/** Per-study record of what was served, readable in-process or via `GET /__faults`. */
export class FaultLedger {
  private readonly served: ServedFault[] = [];
  private readonly attempts = new Map<string, number>();

  nextAttempt(study: string): number {
    const n = (this.attempts.get(study) ?? 0) + 1;
    this.attempts.set(study, n);
    return n;
  }

  add(f: Omit<ServedFault, 'seq'>): void {
    this.served.push({ seq: this.served.length + 1, ...f });
  }

  /** A fault the server decided itself (over capacity), outside the mix. */
  record(req: SeenRequest, fault: FaultKind, variant: string): void {
    const study = studyOfRequest(req);
    this.add({
      study,
      attempt: this.nextAttempt(study),
      ask: askHash(req.userText),
      fault,
      variant,
      key: bodyKey(req.body),
    });
  }

  report(): FaultReport {
    const counts: Record<string, number> = {};
    for (const f of this.served) counts[f.fault] = (counts[f.fault] ?? 0) + 1;
    return { counts, requests: this.served };
  }
}

/**
 * A seeded fault mix as a `respond` function. Transient faults are drawn per
 * attempt from (seed, study, attempt); model-output faults per request from
 * (seed, request key) at temperature 0, so a truncated study stays truncated on retry
 * while a 500 does not repeat. Schema refusal applies only to requests that ask
 * for json_schema.
 */
export function faultMix(
  opts: Omit<FaultMixOptions, 'answer'> & { answer?: string | ((req: SeenRequest) => string) },
  defaultAnswer = '{}',
): FaultRespond {
  const ledger = new FaultLedger();
  const respond = ((req: SeenRequest): Reply => {
    const study = studyOfRequest(req);
    const ask = askHash(req.userText);
    const attempt = ledger.nextAttempt(study);
    const answer = typeof opts.answer === 'function' ? opts.answer(req) : (opts.answer ?? defaultAnswer);
    const temp = typeof req.body.temperature === 'number' ? req.body.temperature : 1;
    const perAttempt = seededRng(opts.seed, study, attempt, 'transient');
    const key = bodyKey(req.body);
    // The model's output depends on the whole request: a follow-up question draws apart from its study's extraction.
    const perOutput = temp === 0 ? seededRng(opts.seed, key, 'output') : seededRng(opts.seed, key, attempt, 'output');
    let kind = pickKind(TRANSIENT, opts.rates, perAttempt());
    if (kind === 'schema_refused' && !req.body.response_format) kind = null;
    kind ??= pickKind(STICKY, opts.rates, perOutput());
    const { reply, variant } = kind
      ? replyFor(kind, answer, req.body, kind && STICKY.includes(kind) ? perOutput : perAttempt, opts.hangMs)
      : { reply: { content: answer } as Reply, variant: undefined };
    const text =
      'content' in reply
        ? reply.content
        : 'whitespaceLoop' in reply
          ? (reply.prefix ?? '') + (reply.char ?? ' ').repeat(reply.whitespaceLoop)
          : undefined;
    const finishReason =
      'content' in reply && !('stallAfterChunks' in reply)
        ? (reply.finishReason ?? 'stop')
        : 'whitespaceLoop' in reply
          ? 'length'
          : undefined;
    ledger.add({
      study,
      attempt,
      ask,
      fault: kind ?? 'none',
      ...(variant ? { variant } : {}),
      key,
      ...(text !== undefined ? { textSha: sha(text) } : {}),
      ...(finishReason ? { finishReason } : {}),
    });
    return reply;
  }) as FaultRespond;
  respond.ledger = ledger;
  return respond;
}
