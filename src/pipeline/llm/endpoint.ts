import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { Agent, fetch as undiciFetch } from 'undici';
import type { Endpoint } from './config.js';
import { endpointLabel } from './config.js';
import { redactSecrets, registerSecret, resolveKey } from './keys.js';
import type { ChatRequest, ErrorKind, Usage } from './types.js';
import type { AttemptResult, ProviderClient, ProviderOptions, ProviderTiming } from './providers/types.js';
import { probeError } from './probe.js';
import { UserError } from '../util/errors.js';
import { readSse } from './sse.js';
import type { AttemptLimits } from './latency.js';

const ms = (n: number) => (n >= 10_000 ? `${Math.round(n / 1000)} s` : `${Math.round(n)} ms`);

export type { AttemptResult } from './providers/types.js';

type SdkOptions = NonNullable<ConstructorParameters<typeof OpenAI>[0]>;

/** How a provider speaking the OpenAI protocol differs: how the SDK client is built, and the model name sent. */
export interface OpenAiProtocolFeatures {
  connect(common: Pick<SdkOptions, 'maxRetries' | 'timeout' | 'fetch' | 'fetchOptions'>, key: string): OpenAI;
  /** Whether `GET /models` lists what is served (Azure deployments are not listed). */
  listsModels: boolean;
  requiresKey: boolean;
  modelFor?(model: string): string;
}

/** The chat completion body of one request, unstreamed: the live path and the batch files send the same. */
export function chatBody(req: ChatRequest, model: string, useSchema: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = { model, messages: req.messages };
  for (const [k, v] of Object.entries(req.params ?? {})) if (v !== null && v !== undefined) body[k] = v;
  if (useSchema && req.responseSchema) {
    body.response_format = {
      type: 'json_schema',
      json_schema: { name: req.responseSchema.name, schema: req.responseSchema.schema, strict: false },
    };
  }
  return body;
}

const RETRYABLE: ReadonlySet<ErrorKind> = new Set(['rate_limit', 'server', 'timeout', 'connection', 'whitespace_loop']);

/** One endpoint that speaks the OpenAI chat protocol over the real openai SDK (streamed or not). */
export class OpenAiProtocolClient implements ProviderClient {
  readonly label: string;
  readonly maxConcurrency: number;
  readonly sdk: OpenAI;
  private readonly agent: Agent;
  private readonly key: string;
  /** Set when the server rejected json_schema in `auto` mode: free text from then on. */
  private schemaOff = false;

  constructor(
    readonly endpoint: Endpoint,
    private readonly timing: ProviderTiming,
    private readonly opts: ProviderOptions,
    private readonly features: OpenAiProtocolFeatures,
  ) {
    this.label = endpointLabel(endpoint);
    this.maxConcurrency = endpoint.maxConcurrency;
    this.key = resolveKey(endpoint, opts.env, { required: features.requiresKey });
    registerSecret(this.key);
    // Node's fetch gives up on response headers after 300 s; our own dispatcher
    // lets a queued or long non-streamed generation take as long as configured.
    this.agent = new Agent({
      headersTimeout: timing.timeoutMs,
      bodyTimeout: timing.idleTimeoutMs,
      connections: endpoint.maxConcurrency + 4,
      keepAliveTimeout: 30_000,
    });
    const common = {
      maxRetries: 0,
      timeout: timing.timeoutMs,
      fetch: undiciFetch as unknown as SdkOptions['fetch'],
      fetchOptions: { dispatcher: this.agent } as unknown as SdkOptions['fetchOptions'],
    };
    this.sdk = features.connect(common, this.key);
  }

  modelFor(model: string): string {
    return this.features.modelFor?.(model) ?? model;
  }

  async listModels(timeoutMs: number, signal?: AbortSignal): Promise<string[] | null> {
    if (!this.features.listsModels) return null;
    try {
      const page = await this.sdk.models.list({ timeout: timeoutMs, signal, maxRetries: 0 });
      return page.data.map((m) => m.id);
    } catch (err) {
      if (err instanceof APIError && err.status === 404) return null;
      const r = this.classify(err);
      const kind = r.kind === 'error' ? r.errorKind : 'server';
      const message = r.kind === 'error' ? r.message : String(err);
      if (err instanceof APIConnectionError || kind === 'connection' || kind === 'timeout') {
        throw new UserError(
          `The LLM endpoint ${this.label} is not reachable: ${redactSecrets(message.replace(`${this.label}: `, ''))}`,
          'Is the server running and listening there? Check with: curl URL/models',
        );
      }
      throw probeError(this.label, this.modelFor(''), this.endpoint.keyEnv, kind, message);
    }
  }

  /** The configured timeouts, for attempts made before any answer times are known. */
  get caps(): AttemptLimits {
    return {
      firstTokenMs: this.timing.idleTimeoutMs,
      idleMs: this.timing.idleTimeoutMs,
      totalMs: this.timing.timeoutMs,
    };
  }

  /** Whether this endpoint is known to refuse json_schema output (learnt now or in an earlier process). */
  get structuredRefused(): boolean {
    return this.schemaOff;
  }

  /** Remembered from an earlier process of the same run: no request is spent finding it out again. */
  markStructuredRefused(): void {
    this.schemaOff = true;
  }

  /**
   * `refusedAttempts` counts the attempts the server refused for their json_schema
   * (sent again as free text), so the request count includes them.
   */
  async attempt(
    req: ChatRequest,
    signal?: AbortSignal,
    limits: AttemptLimits = this.caps,
  ): Promise<AttemptResult & { refusedAttempts?: number }> {
    const useSchema = Boolean(req.responseSchema) && this.timing.structured !== 'off' && !this.schemaOff;
    const res = await this.once(req, signal, useSchema, limits);
    if (res.kind === 'error' && useSchema && this.timing.structured === 'auto' && refusesSchema(res)) {
      if (!this.schemaOff) {
        this.schemaOff = true;
        this.opts.onEvent?.({ type: 'structured-output-off', endpoint: this.label, reason: res.message });
      }
      return { ...(await this.once(req, signal, false, limits)), refusedAttempts: 1 };
    }
    return res;
  }

  private async once(
    req: ChatRequest,
    signal: AbortSignal | undefined,
    useSchema: boolean,
    limits: AttemptLimits,
  ): Promise<AttemptResult> {
    const started = performance.now();
    const ac = new AbortController();
    let why: 'timeout' | 'first' | 'idle' | 'whitespace' | 'user' | null = null;
    const stop = (w: NonNullable<typeof why>) => {
      if (why === null) why = w;
      ac.abort();
    };
    const onUser = () => stop('user');
    if (signal?.aborted) return { kind: 'error', errorKind: 'aborted', message: 'aborted', retryable: false };
    signal?.addEventListener('abort', onUser, { once: true });
    const total = setTimeout(() => stop('timeout'), limits.totalMs);
    let idle: NodeJS.Timeout | null = null;
    let firstTokenMs: number | null = null;
    // Until the first content arrives the first-token limit applies; after it, the idle limit.
    const touch = (content: boolean) => {
      if (content && firstTokenMs === null) {
        firstTokenMs = performance.now() - started;
        if (idle) clearTimeout(idle);
        idle = null;
      }
      if (firstTokenMs === null) {
        idle ??= setTimeout(() => stop('first'), limits.firstTokenMs);
        return;
      }
      if (idle) idle.refresh();
      else idle = setTimeout(() => stop('idle'), limits.idleMs);
    };

    const body = chatBody(req, this.modelFor(req.model), useSchema);
    try {
      // Idle timer only for streams: a non-streamed answer legitimately sends nothing until it is complete.
      if (this.timing.stream) {
        touch(false);
        body.stream = true;
        body.stream_options = { include_usage: true };
        const response = await this.sdk.chat.completions.create(body as never, { signal: ac.signal }).asResponse();
        if (!response.body)
          return {
            kind: 'error',
            errorKind: 'server',
            message: `${this.label}: empty streamed response`,
            retryable: true,
          };
        const stream = readSse(response.body as unknown as AsyncIterable<Uint8Array>);
        let text = '';
        let finish = '';
        let usage: Usage | null = null;
        let model = req.model;
        let wsRun = 0;
        for await (const chunk of stream) {
          touch(Boolean(chunk.choices?.[0]?.delta?.content));
          if (chunk.error) {
            const m =
              typeof chunk.error === 'string' ? chunk.error : (chunk.error.message ?? JSON.stringify(chunk.error));
            return {
              kind: 'error',
              errorKind: 'server',
              message: redactSecrets(`${this.label}: error in stream: ${m}`),
              retryable: true,
            };
          }
          if (chunk.model) model = chunk.model;
          if (chunk.usage)
            usage = { prompt_tokens: chunk.usage.prompt_tokens, completion_tokens: chunk.usage.completion_tokens };
          const choice = chunk.choices?.[0];
          if (!choice) continue;
          const delta = choice.delta?.content;
          if (delta) {
            text += delta;
            wsRun = trailingWhitespace(delta, wsRun);
            if (wsRun > this.timing.whitespaceLimit) {
              stop('whitespace');
              break;
            }
          }
          if (choice.finish_reason) finish = choice.finish_reason;
        }
        if (why === 'whitespace') return this.abortResult('whitespace', limits);
        if (why !== null) return this.abortResult(why, limits);
        if (finish === 'content_filter')
          return {
            kind: 'filtered',
            reason: 'completion filtered by the content filter (finish_reason content_filter)',
          };
        // A stream that ends without saying why it finished was cut (proxy, dropped connection):
        // the text is a prefix of the answer, so it is a failed attempt, never a reply.
        if (!finish)
          return {
            kind: 'error',
            errorKind: 'connection',
            message: `${this.label}: the stream ended before the reply finished (no finish_reason)`,
            retryable: true,
          };
        return {
          kind: 'ok',
          text,
          finishReason: finish,
          usage,
          model,
          latencyMs: performance.now() - started,
          firstTokenMs,
        };
      }
      const c = (await this.sdk.chat.completions.create(body as never, {
        signal: ac.signal,
      })) as unknown as OpenAI.Chat.Completions.ChatCompletion;
      const choice = c.choices?.[0];
      const finish = choice?.finish_reason ?? 'stop';
      if (finish === 'content_filter')
        return { kind: 'filtered', reason: 'completion filtered by the content filter (finish_reason content_filter)' };
      const usage = c.usage
        ? { prompt_tokens: c.usage.prompt_tokens, completion_tokens: c.usage.completion_tokens }
        : null;
      const text = choice?.message?.content ?? '';
      // Not streamed, a decoding loop arrives whole: the same run of whitespace marks it.
      if (longestWhitespaceRun(text) > this.timing.whitespaceLimit) {
        return this.abortResult('whitespace', limits);
      }
      return {
        kind: 'ok',
        text,
        finishReason: finish,
        usage,
        model: c.model ?? req.model,
        latencyMs: performance.now() - started,
        firstTokenMs: null,
      };
    } catch (err) {
      if (why !== null) return this.abortResult(why, limits);
      return this.classify(err);
    } finally {
      clearTimeout(total);
      if (idle) clearTimeout(idle);
      signal?.removeEventListener('abort', onUser);
    }
  }

  private abortResult(why: 'timeout' | 'first' | 'idle' | 'whitespace' | 'user', limits: AttemptLimits): AttemptResult {
    if (why === 'user') return { kind: 'error', errorKind: 'aborted', message: 'aborted', retryable: false };
    if (why === 'whitespace') {
      return {
        kind: 'error',
        errorKind: 'whitespace_loop',
        message: `the model wrote more than ${this.timing.whitespaceLimit} whitespace characters in a row (a decoding loop) and was stopped`,
        retryable: true,
      };
    }
    const what =
      why === 'first'
        ? `no answer within ${ms(limits.firstTokenMs)}`
        : why === 'idle'
          ? `the answer stalled for ${ms(limits.idleMs)}`
          : `no complete answer within ${ms(limits.totalMs)}`;
    return { kind: 'error', errorKind: 'timeout', message: `${this.label}: ${what}`, retryable: true };
  }

  /** Map SDK and network errors to a kind; messages are redacted. */
  classify(err: unknown): AttemptResult {
    const msg = (m: string) => redactSecrets(`${this.label}: ${m}`);
    if (err instanceof APIUserAbortError)
      return { kind: 'error', errorKind: 'aborted', message: 'aborted', retryable: false };
    if (err instanceof APIConnectionTimeoutError)
      return { kind: 'error', errorKind: 'timeout', message: msg('request timed out'), retryable: true };
    if (err instanceof APIConnectionError) {
      const cause = causeText(err);
      return {
        kind: 'error',
        errorKind: 'connection',
        message: msg(`connection failed${cause ? ` (${cause})` : ''}`),
        retryable: true,
      };
    }
    if (err instanceof APIError && typeof err.status === 'number') {
      const status = err.status;
      const body = err.error as { code?: unknown; message?: unknown } | undefined;
      const code = err.code ?? (typeof body?.code === 'string' ? body.code : undefined);
      if (status === 400 && code === 'content_filter')
        return { kind: 'filtered', reason: 'prompt filtered by the content filter (HTTP 400 content_filter)' };
      const text = msg(`HTTP ${status}: ${err.message}`);
      const kind = statusKind(status);
      const retryAfterMs = retryAfter(err.headers);
      return {
        kind: 'error',
        errorKind: kind,
        message: text,
        retryable: RETRYABLE.has(kind) || status === 409,
        status,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      };
    }
    const e = err as Error;
    const text = `${e?.name ?? 'Error'}: ${e?.message ?? String(err)}${causeText(e) ? ` (${causeText(e)})` : ''}`;
    // Streams cut mid-way surface as plain errors (terminated, ECONNRESET, bad SSE).
    return { kind: 'error', errorKind: 'connection', message: msg(text), retryable: true };
  }

  async close(): Promise<void> {
    await this.agent.close().catch(() => {});
  }
}

/** An error rejecting the json_schema response format (in `auto` mode the request is asked again without it). */
export function refusesSchema(res: { kind: string; errorKind?: ErrorKind; message?: string }): boolean {
  return (
    res.kind === 'error' &&
    res.errorKind === 'bad_request' &&
    /response_format|json_schema|structured|guided/i.test(res.message ?? '')
  );
}

/** The error kind of an HTTP error status (the live path's and the batch files' alike). */
export function statusKind(status: number): ErrorKind {
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  if (status === 429) return 'rate_limit';
  if (status === 408) return 'timeout';
  return status >= 500 ? 'server' : 'bad_request';
}

/** The longest run of whitespace in a text: past the limit, a decoding loop. */
export function longestWhitespaceRun(text: string): number {
  let longest = 0;
  for (const m of text.matchAll(/\s+/g)) longest = Math.max(longest, m[0].length);
  return longest;
}

function trailingWhitespace(delta: string, run: number): number {
  let i = delta.length;
  while (i > 0 && /\s/.test(delta[i - 1]!)) i--;
  return i === 0 ? run + delta.length : delta.length - i;
}

function causeText(err: unknown): string {
  let c = (err as { cause?: unknown })?.cause;
  const parts: string[] = [];
  for (let i = 0; c && i < 3; i++) {
    const e = c as { code?: string; message?: string };
    parts.push(e.code ?? e.message ?? String(c));
    c = (c as { cause?: unknown }).cause;
  }
  return parts.join(': ');
}

/** Server-given delay: retry-after-ms, then retry-after in seconds or as an HTTP date. */
export function retryAfter(headers: Headers | undefined | null, now = Date.now()): number | undefined {
  if (!headers || typeof headers.get !== 'function') return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const ra = headers.get('retry-after');
  if (!ra) return undefined;
  if (/^\d+(\.\d+)?$/.test(ra.trim())) return Number(ra) * 1000;
  const t = Date.parse(ra);
  return Number.isFinite(t) ? Math.max(0, t - now) : undefined;
}
