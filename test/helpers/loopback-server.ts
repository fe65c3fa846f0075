import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { faultMix, type FaultMixOptions, type FaultReport, type FaultRespond } from './loopback-faults.js';

/**
 * A loopback OpenAI-compatible server for tests and benchmarks (test code, not
 * a product feature). Speaks GET /v1/models and POST /v1/chat/completions
 * (streaming SSE or not), the Azure paths (/openai/deployments/D/chat/completions,
 * /openai/v1/...), and injects faults on demand through `respond`, or from a
 * seeded mix (`faults`, see loopback-faults.ts) whose record is at GET /__faults.
 */

export interface ChatBody {
  model: string;
  messages: Array<{ role: string; content: string }>;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  max_tokens?: number;
  response_format?: unknown;
  [k: string]: unknown;
}

export interface SeenRequest {
  body: ChatBody;
  /** Content of the last user message. */
  userText: string;
  path: string;
  at: number;
}

export type Reply =
  | {
      content: string;
      /** `length` reports completion_tokens = max_tokens, as a server that hit the limit does. */
      finishReason?: 'stop' | 'length';
      chunks?: number;
      /** Streamed: wait this long between content chunks. */
      chunkDelayMs?: number;
      /** Streamed: send this many content chunks, then nothing more (headers and role chunk are sent). */
      stallAfterChunks?: number;
      /** With stallAfterChunks: drop the connection after this long instead of never. */
      closeAfterMs?: number;
    }
  | { status: 429; retryAfter?: number; retryAfterMs?: number }
  /** echoUrl: the message quotes the full request URL with its query (keys in `?api-key=` included), as some gateways do. */
  | { status: 400 | 401 | 404 | 500 | 503; message?: string; echoUrl?: boolean }
  /** Never answers (no headers); closeAfterMs drops the connection after that long, like a gateway giving up. */
  | { hang: true; closeAfterMs?: number }
  /** Connection reset: before headers when not streamed or afterChunks is 0, else after that many content chunks. */
  | { reset: true; afterChunks?: number }
  | { contentFilter: 'prompt' | 'completion' }
  | { whitespaceLoop: number; prefix?: string; char?: string };

export type Latency = { kind: 'fixed'; ms: number } | { kind: 'lognormal'; medianMs: number; sigma: number };

export interface LoopbackOptions {
  models?: string[];
  /** Require this key (Authorization: Bearer or api-key header). */
  apiKey?: string;
  latency?: Latency;
  respond?: (req: SeenRequest) => Reply | Promise<Reply>;
  /** Keep every request in `requests` (turn off for long benchmarks). */
  record?: boolean;
  /** Reject `response_format` with 400, like a server without structured outputs. */
  rejectResponseFormat?: boolean;
  /** Content pieces per streamed answer when the reply does not say (default 8). */
  chunks?: number;
  port?: number;
  /** A seeded fault mix (serializable, so it works in the child process too); used when `respond` is not given. */
  faults?: FaultMixOptions;
  /**
   * Completions in flight the server takes; one more gets 429 with retry-after-ms at once, like a
   * provider's concurrency limit (load-dependent, unlike the mix's random 429s).
   */
  capacity?: number;
  /**
   * Extra non-OpenAI routes, answered before the key check (vLLM leaves
   * /health and /tokenize open). Return null to fall through. Used by the
   * stand-in `vllm` executable (test/fixtures/bin/vllm).
   */
  routes?: (req: { method: string; path: string; body: string }) => RouteAnswer | null | Promise<RouteAnswer | null>;
}

/** An extra route's answer: JSON, or `text` sent as it is (a file's content). */
export type RouteAnswer = { status: number; body: unknown } | { status: number; text: string };

export interface LoopbackServer {
  url: string;
  port: number;
  requests: SeenRequest[];
  /** Requests received (counted even when not recorded). */
  count: number;
  /** What the fault mix served (null without `faults`); also at GET /__faults. */
  faults(): FaultReport | null;
  close(): Promise<void>;
}

export const DEFAULT_KEYINFO =
  '{"opacity_vs_clear": {}, "entity": {"pleural effusion": {"location": "left", "level": "small", "type": null}}, "uncertain_entity": [], "no_entity": ["pneumothorax"]}';

/** Standard normal via Box-Muller. */
function gauss(): number {
  let u = 0;
  while (u === 0) u = Math.random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * Math.random());
}

export function sampleLatency(l: Latency | undefined): number {
  if (!l) return 0;
  return l.kind === 'fixed' ? l.ms : l.medianMs * Math.exp(l.sigma * gauss());
}

const tokens = (s: string) => Math.ceil(s.length / 4);

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), ...headers });
  res.end(data);
}

function errorBody(message: string, type: string, code: string | null) {
  return { error: { message, type, param: null, code } };
}

export async function startLoopbackServer(opts: LoopbackOptions = {}): Promise<LoopbackServer> {
  const models = opts.models ?? ['extractor'];
  const record = opts.record ?? true;
  const requests: SeenRequest[] = [];
  let count = 0;
  let seq = 0;
  let inFlight = 0;
  const mix: FaultRespond | null = !opts.respond && opts.faults ? faultMix(opts.faults, DEFAULT_KEYINFO) : null;
  const respond = opts.respond ?? mix ?? undefined;
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void handle(req, res, Buffer.concat(chunks).toString('utf8')).catch((err) => {
        if (!res.headersSent) sendJson(res, 500, errorBody(String(err), 'server_error', null));
        else res.destroy();
      });
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const fullUrl = `http://127.0.0.1:${port}${req.url ?? '/'}`;
    if (mix && req.method === 'GET' && url.pathname === '/__faults') return sendJson(res, 200, mix.ledger.report());
    const extra = opts.routes
      ? await opts.routes({ method: req.method ?? 'GET', path: url.pathname, body: raw })
      : null;
    if (extra && 'text' in extra) {
      res.writeHead(extra.status, {
        'content-type': 'application/jsonl',
        'content-length': Buffer.byteLength(extra.text),
      });
      return void res.end(extra.text);
    }
    if (extra) return sendJson(res, extra.status, extra.body);
    if (opts.apiKey) {
      const inQuery = url.searchParams.get('api-key');
      const given =
        (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '') ||
        String(req.headers['api-key'] ?? '') ||
        (inQuery ?? '');
      if (given !== opts.apiKey) {
        // Real servers echo (part of) the key; this one echoes all of it so redaction is tested.
        if (inQuery !== null)
          return sendJson(
            res,
            401,
            errorBody(
              `Access denied due to invalid subscription key. Request: ${req.method} ${fullUrl}`,
              'invalid_request_error',
              '401',
            ),
          );
        return sendJson(
          res,
          401,
          errorBody(`Incorrect API key provided: ${given}.`, 'invalid_request_error', 'invalid_api_key'),
        );
      }
    }
    if (req.method === 'GET' && /\/models$/.test(url.pathname)) {
      return sendJson(res, 200, {
        object: 'list',
        data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'loopback' })),
      });
    }
    const dep = /\/openai\/deployments\/([^/]+)\/chat\/completions$/.exec(url.pathname);
    if (req.method !== 'POST' || !(dep || /\/chat\/completions$/.test(url.pathname))) {
      return sendJson(res, 404, errorBody(`no route ${req.method} ${url.pathname}`, 'invalid_request_error', null));
    }
    let body: ChatBody;
    try {
      body = JSON.parse(raw) as ChatBody;
    } catch {
      return sendJson(res, 400, errorBody('invalid JSON body', 'invalid_request_error', null));
    }
    const model = dep ? decodeURIComponent(dep[1]!) : body.model;
    count++;
    const seen: SeenRequest = {
      body,
      userText: [...body.messages].reverse().find((m) => m.role === 'user')?.content ?? '',
      path: url.pathname,
      at: Date.now(),
    };
    if (record) requests.push(seen);
    if (!models.includes(model)) {
      return sendJson(
        res,
        404,
        errorBody(`The model \`${model}\` does not exist.`, 'invalid_request_error', 'model_not_found'),
      );
    }
    if (opts.capacity !== undefined && inFlight >= opts.capacity) {
      mix?.ledger.record(seen, 'rate_limit', 'over-capacity');
      return sendJson(
        res,
        429,
        errorBody('Too many concurrent requests for this deployment.', 'rate_limit_error', 'rate_limit_exceeded'),
        { 'retry-after-ms': '250', 'retry-after': '1' },
      );
    }
    inFlight++;
    res.once('close', () => inFlight--);
    if (opts.rejectResponseFormat && body.response_format) {
      return sendJson(
        res,
        400,
        errorBody('response_format json_schema is not supported by this server', 'invalid_request_error', null),
      );
    }
    const reply: Reply = respond ? await respond(seen) : { content: DEFAULT_KEYINFO };
    // A rate limiter answers before the model runs: no generation latency.
    const delay = 'status' in reply && reply.status === 429 ? 0 : sampleLatency(opts.latency);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    if (res.destroyed) return;
    const id = `chatcmpl-${++seq}`;
    const created = Math.floor(Date.now() / 1000);
    const promptTokens = tokens(body.messages.map((m) => m.content).join('\n'));
    // Leave the request unanswered; the client must time out or abort, or the "gateway" drops it.
    const stallHere = () => {
      const after = 'closeAfterMs' in reply ? reply.closeAfterMs : undefined;
      if (after !== undefined) later(after, () => req.socket.destroy());
    };

    if ('hang' in reply) return stallHere();
    if ('status' in reply) {
      if (reply.status === 429) {
        const headers: Record<string, string> = {};
        if (reply.retryAfter !== undefined) headers['retry-after'] = String(reply.retryAfter);
        if (reply.retryAfterMs !== undefined) headers['retry-after-ms'] = String(reply.retryAfterMs);
        return sendJson(
          res,
          429,
          errorBody('Rate limit reached. Please retry.', 'rate_limit_error', 'rate_limit_exceeded'),
          headers,
        );
      }
      const message = `${reply.message ?? `loopback error ${reply.status}`}${reply.echoUrl ? ` (request: ${req.method} ${fullUrl})` : ''}`;
      return sendJson(
        res,
        reply.status,
        errorBody(message, reply.status < 500 ? 'invalid_request_error' : 'server_error', null),
      );
    }
    if ('contentFilter' in reply && reply.contentFilter === 'prompt') {
      return sendJson(res, 400, {
        error: {
          message: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
          type: null,
          param: 'prompt',
          code: 'content_filter',
          status: 400,
          innererror: {
            code: 'ResponsibleAIPolicyViolation',
            content_filter_result: { hate: { filtered: true, severity: 'high' } },
          },
        },
      });
    }
    if ('reset' in reply && (!body.stream || reply.afterChunks === 0)) {
      req.socket.destroy();
      return;
    }

    let content = '';
    let finish: string = 'stop';
    let pieces: string[] = [];
    if ('content' in reply) {
      content = reply.content;
      finish = reply.finishReason ?? 'stop';
      const n = Math.max(1, Math.min(reply.chunks ?? opts.chunks ?? 8, content.length || 1));
      const size = Math.ceil(content.length / n) || 1;
      for (let i = 0; i < content.length; i += size) pieces.push(content.slice(i, i + size));
    } else if ('contentFilter' in reply) {
      finish = 'content_filter';
    } else if ('whitespaceLoop' in reply) {
      const prefix = reply.prefix ?? '{"entity": {';
      const ch = reply.char ?? ' ';
      content = prefix + ch.repeat(reply.whitespaceLoop);
      finish = 'length';
      pieces = [prefix];
      for (let i = 0; i < reply.whitespaceLoop; i += 16) pieces.push(ch.repeat(Math.min(16, reply.whitespaceLoop - i)));
    } else if ('reset' in reply) {
      content = DEFAULT_KEYINFO;
      pieces = [DEFAULT_KEYINFO.slice(0, 20), DEFAULT_KEYINFO.slice(20)];
    }
    // A reply cut by the token limit used all of max_tokens, whatever its text length.
    const completionTokens =
      finish === 'length' && typeof body.max_tokens === 'number' ? body.max_tokens : tokens(content);
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    };
    const stall = 'content' in reply ? reply.stallAfterChunks : undefined;

    if (!body.stream) {
      // A non-streamed answer that stalls is one that never comes.
      if (stall !== undefined) return stallHere();
      return sendJson(res, 200, {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [
          { index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: finish, logprobs: null },
        ],
        usage,
      });
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices, ...extra })}\n\n`;
    res.write(chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]));
    let sent = 0;
    for (const p of pieces) {
      if (res.destroyed) return;
      if ('reset' in reply && sent >= (reply.afterChunks ?? 1)) {
        // What was written reaches the client first: a reset cuts a stream, it does not unsend it.
        await new Promise<void>((r) => res.write('', () => r()));
        req.socket.destroy();
        return;
      }
      if (stall !== undefined && sent >= stall) return stallHere();
      res.write(chunk([{ index: 0, delta: { content: p }, finish_reason: null }]));
      sent++;
      if ('content' in reply && reply.chunkDelayMs) await new Promise((r) => setTimeout(r, reply.chunkDelayMs));
      // Yield so a client abort (whitespace loop) is seen before the whole answer is queued.
      if (pieces.length > 16) await new Promise((r) => setImmediate(r));
    }
    // Fewer pieces than the stall point: stall before the finish chunk, so the stream still never ends.
    if (stall !== undefined) return stallHere();
    res.write(chunk([{ index: 0, delta: {}, finish_reason: finish }]));
    if (body.stream_options?.include_usage) res.write(chunk([], { usage }));
    res.end('data: [DONE]\n\n');
  }

  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  server.keepAliveTimeout = 60_000;
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    get count() {
      return count;
    },
    faults: () => mix?.ledger.report() ?? null,
    async close() {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Answers in order; the last reply repeats. */
export function scriptedReplies(replies: Reply[]): (req: SeenRequest) => Reply {
  let i = 0;
  return () => replies[Math.min(i++, replies.length - 1)]!;
}

/** Answer by the report text (the user message). */
export function byUserText(fn: (text: string) => Reply): (req: SeenRequest) => Reply {
  return (req) => fn(req.userText);
}

/** Start the server in a child process (serializable options only: no `respond`). */
export async function startLoopbackServerProcess(
  opts: Omit<LoopbackOptions, 'respond' | 'record'>,
): Promise<{ url: string; port: number; close(): Promise<void> }> {
  const { spawn } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const entry = fileURLToPath(new URL('./loopback-child.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', entry, JSON.stringify(opts)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /PORT (\d+)/.exec(buf);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`loopback server exited (${code})`)));
  });
  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
