/**
 * The LLM layer's one interface: `complete(request, {signal})` resolves to a
 * result value with a kind; it never throws for model or network trouble.
 * The endpoint client, the pool (scheduler + retries) and the cache all
 * implement it, so they stack as decorators.
 */

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Decoding parameters sent with every request (part of the cache key and of the run's recorded config). */
export interface DecodingParams {
  temperature?: number;
  max_tokens?: number;
  top_p?: number;
  seed?: number;
  stop?: string[];
}

/** A JSON schema for `response_format: json_schema` (build it with `jsonSchemaFromZod`). */
export interface ResponseSchema {
  name: string;
  schema: Record<string, unknown>;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  params?: DecodingParams;
  /** Ask for structured output when the endpoint supports it; free text otherwise. */
  responseSchema?: ResponseSchema;
  /** Free-form label for logs and events (e.g. the study id); not part of the cache key. */
  tag?: string;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
}

export type ErrorKind =
  | 'auth' // 401/403: key missing or rejected
  | 'not_found' // 404: model/deployment not served
  | 'bad_request' // 400 other than content filter
  | 'rate_limit' // 429
  | 'server' // 5xx
  | 'timeout' // attempt timed out (headers, idle body, or total)
  | 'connection' // refused, reset, DNS
  | 'whitespace_loop' // guided decoding spun on whitespace; aborted
  | 'aborted' // the caller's signal fired
  | 'no_endpoint'; // no endpoint configured / all unusable

export interface CompletionOk {
  kind: 'ok';
  text: string;
  /** `stop`, `length` (hit max_tokens: the text may be truncated), ... */
  finishReason: string;
  usage: Usage | null;
  model: string;
  /** Cache key of the request (sha256 of the canonical request). */
  key: string;
  endpoint: string;
  cached: boolean;
  attempts: number;
  latencyMs: number;
}

/** Content-filter refusal (Azure): a final answer, not retried. */
export interface CompletionFiltered {
  kind: 'filtered';
  reason: string;
  key: string;
  endpoint: string;
  attempts: number;
}

export interface CompletionError {
  kind: 'error';
  errorKind: ErrorKind;
  /** Message with key values redacted. */
  message: string;
  retryable: boolean;
  /** Server-requested delay (Retry-After / retry-after-ms), when given. */
  retryAfterMs?: number;
  status?: number;
  key: string;
  endpoint: string;
  attempts: number;
}

export type CompletionResult = CompletionOk | CompletionFiltered | CompletionError;

export interface CompleteOptions {
  signal?: AbortSignal;
}

export interface LlmClient {
  complete(request: ChatRequest, options?: CompleteOptions): Promise<CompletionResult>;
}

/** Things the layer reports while it works (retries, resting endpoints), for logs and the UI. */
export type LlmEvent =
  | {
      type: 'retry';
      tag?: string;
      endpoint: string;
      attempt: number;
      delayMs: number;
      errorKind: ErrorKind;
      message: string;
    }
  | { type: 'endpoint-rested'; endpoint: string; untilMs: number; reason: string }
  | { type: 'endpoint-restored'; endpoint: string }
  /** A 429 lowered the endpoint's concurrency to `limit` (of `max`); answers raise it again. */
  | { type: 'rate-limited'; endpoint: string; limit: number; max: number }
  | { type: 'structured-output-off'; endpoint: string; reason: string };
