import { chatBody, longestWhitespaceRun, statusKind } from '../endpoint.js';
import type { ChatRequest, ErrorKind, Usage } from '../types.js';

/**
 * The OpenAI batch file format (also `vllm run-batch`'s): one request per input
 * line, one answer per output or error line, matched by `custom_id`. A custom id
 * is `stage|tag|request key`, so an answer maps back to the request it answers
 * (the key is the response cache's) whatever order the lines come back in.
 */

export interface BatchInputLine {
  custom_id: string;
  method: 'POST';
  url: string;
  body: Record<string, unknown>;
}

/** An answer read back from an output or error file, in the live path's terms. */
export type BatchAnswer =
  | { kind: 'ok'; text: string; finishReason: string; usage: Usage | null; model: string }
  | { kind: 'filtered'; reason: string }
  | { kind: 'error'; errorKind: ErrorKind; message: string; retryable: boolean };

export interface ImportedLine {
  customId: string;
  key: string;
  answer: BatchAnswer;
}

const KEY = /^[0-9a-f]{64}$/;

export function customId(stage: string, tag: string | undefined, key: string): string {
  return `${stage}|${(tag ?? '').replace(/\|/g, '/')}|${key}`;
}

/** The request key at the end of a custom id; null when it is not one of ours. */
export function keyOfCustomId(id: string): string | null {
  const key = id.slice(id.lastIndexOf('|') + 1);
  return KEY.test(key) ? key : null;
}

/**
 * One input line. The body is the live path's (`chatBody`), unstreamed; `url` is the
 * path the provider's batch endpoint expects (Azure's has no `/v1`).
 */
export function batchLine(
  stage: string,
  req: ChatRequest,
  key: string,
  o: { model: string; useSchema: boolean; url?: string },
): BatchInputLine {
  return {
    custom_id: customId(stage, req.tag, key),
    method: 'POST',
    url: o.url ?? '/v1/chat/completions',
    body: chatBody(req, o.model, o.useSchema),
  };
}

const RETRYABLE: ReadonlySet<ErrorKind> = new Set(['rate_limit', 'server', 'timeout', 'connection']);

function errorOf(status: number, message: string, code: unknown): BatchAnswer {
  if (status === 400 && code === 'content_filter')
    return { kind: 'filtered', reason: 'prompt filtered by the content filter (HTTP 400 content_filter)' };
  // Status 0: the line has no response at all (the batch's own error), which a later batch may not repeat.
  const errorKind: ErrorKind = status === 0 ? 'server' : statusKind(status);
  return { kind: 'error', errorKind, message: `batch HTTP ${status}: ${message}`, retryable: RETRYABLE.has(errorKind) };
}

interface OutputLine {
  custom_id?: unknown;
  response?: { status_code?: number; body?: unknown } | null;
  error?: { code?: unknown; message?: unknown } | null;
}

interface CompletionBody {
  model?: string;
  choices?: Array<{ message?: { content?: string | null }; finish_reason?: string | null }>;
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: { message?: unknown; code?: unknown };
}

/**
 * Read one output/error line the way the live path reads a non-streamed answer: the
 * content filter's finish reason is `filtered`, a whitespace run past the limit is a
 * decoding loop, an HTTP error keeps its kind. Null for a line that is not JSON or
 * not one of ours (the caller counts those).
 */
export function parseOutputLine(line: string, whitespaceLimit: number): ImportedLine | null {
  let o: OutputLine;
  try {
    o = JSON.parse(line) as OutputLine;
  } catch {
    return null;
  }
  if (typeof o?.custom_id !== 'string') return null;
  const key = keyOfCustomId(o.custom_id);
  if (!key) return null;
  const at = (answer: BatchAnswer): ImportedLine => ({ customId: o.custom_id as string, key, answer });
  const status = o.response?.status_code ?? 0;
  const body = (o.response?.body ?? null) as CompletionBody | null;
  if (status !== 200 || !body?.choices) {
    const message = String(body?.error?.message ?? o.error?.message ?? 'no response');
    return at(errorOf(status, message, body?.error?.code ?? o.error?.code));
  }
  const choice = body.choices[0];
  const finishReason = choice?.finish_reason ?? 'stop';
  if (finishReason === 'content_filter')
    return at({ kind: 'filtered', reason: 'completion filtered by the content filter (finish_reason content_filter)' });
  const text = choice?.message?.content ?? '';
  if (longestWhitespaceRun(text) > whitespaceLimit)
    return at({
      kind: 'error',
      errorKind: 'whitespace_loop',
      message: `the model wrote more than ${whitespaceLimit} whitespace characters in a row (a decoding loop)`,
      retryable: true,
    });
  const usage = body.usage
    ? { prompt_tokens: body.usage.prompt_tokens ?? 0, completion_tokens: body.usage.completion_tokens ?? 0 }
    : null;
  return at({ kind: 'ok', text, finishReason, usage, model: body.model ?? '' });
}
