import {
  DEFAULT_KEYINFO,
  startLoopbackServer,
  type ChatBody,
  type LoopbackOptions,
  type LoopbackServer,
  type Reply,
  type RouteAnswer,
  type SeenRequest,
} from './loopback-server.js';

/**
 * The OpenAI files and batches API on the loopback server (test code): upload a
 * batch input file (multipart), create a batch, retrieve it (each poll moves it
 * on: validating → in_progress, `perPoll` more lines answered per poll, then
 * finalizing → completed), cancel it, download output and error files, delete
 * files. Lines are answered with the same `respond` script as live requests.
 * Scripted failures: a batch that expires after some lines (partial output), a
 * batch failed in validation (a line that is not a request), error lines (any
 * non-200 reply goes to the error file), slow progress.
 */

export interface BatchScript {
  /** The answer to one line; default: DEFAULT_KEYINFO. */
  respond?: (req: SeenRequest) => Reply;
  /** Lines answered per poll while in progress (default: all at once). */
  perPoll?: number;
  /** The n-th batch created (1-based) expires once this many of its lines are answered. */
  expireAfter?: (batchNo: number) => number | null;
  /** The n-th batch created fails validation at its first line, as one with a malformed line does. */
  invalid?: (batchNo: number) => boolean;
  /**
   * The n-th batch is created but its answer is lost: `hang` never answers (a dropped connection;
   * the client gives up or is killed), `error` answers 502 as a gateway in front of the API would.
   */
  loseCreate?: (batchNo: number) => 'hang' | 'error' | null;
}

export interface LoopbackBatchState {
  /** Batches created (a resumed run must not add any for work already submitted). */
  created: number;
  /** Request lines received in uploaded files (over all batches). */
  linesReceived: number;
  /** custom_ids per created batch, in creation order. */
  batches: string[][];
  /** Files deleted by the client. */
  deleted: string[];
  /** Files still stored. */
  files(): string[];
  /** Retrieve calls. */
  polls: number;
  /** List calls (batches or files): a run looking for a batch it may have created. */
  lists: number;
}

interface StoredFile {
  id: string;
  purpose: string;
  filename: string;
  content: string;
}

interface Line {
  custom_id: string;
  body: ChatBody;
}

interface BatchRec {
  id: string;
  no: number;
  status: string;
  input_file_id: string;
  lines: Line[];
  out: string[];
  err: string[];
  answered: number;
  errors: Array<{ code: string; message: string; line: number }>;
  output_file_id: string | null;
  error_file_id: string | null;
  metadata: Record<string, string> | null;
  cancel: boolean;
}

const tokens = (s: string) => Math.ceil(s.length / 4);

/** The file part of a multipart/form-data body (the boundary is its first line). */
function multipartFile(raw: string): { filename: string; purpose: string; content: string } {
  const boundary = raw.slice(0, raw.indexOf('\r\n'));
  const parts = raw.split(boundary).slice(1, -1);
  let filename = 'upload.jsonl';
  let purpose = '';
  let content = '';
  for (const part of parts) {
    const headEnd = part.indexOf('\r\n\r\n');
    const head = part.slice(0, headEnd);
    const value = part.slice(headEnd + 4, part.length - 2);
    const name = /name="([^"]+)"/.exec(head)?.[1];
    if (name === 'purpose') purpose = value;
    if (name === 'file') {
      content = value;
      filename = /filename="([^"]+)"/.exec(head)?.[1] ?? filename;
    }
  }
  return { filename, purpose, content };
}

function answerLine(line: Line, reply: Reply, seq: number): { ok: boolean; text: string } {
  const base = { id: `batch_req_${seq}`, custom_id: line.custom_id };
  const fail = (status: number, message: string, code: string | null) => ({
    ok: false,
    text: JSON.stringify({
      ...base,
      response: { status_code: status, request_id: `req_${seq}`, body: { error: { message, type: null, code } } },
      error: null,
    }),
  });
  if ('status' in reply)
    return fail(
      reply.status,
      ('message' in reply ? reply.message : undefined) ?? `loopback error ${reply.status}`,
      null,
    );
  if ('contentFilter' in reply && reply.contentFilter === 'prompt')
    return fail(400, 'The prompt was filtered by the content management policy.', 'content_filter');
  if ('hang' in reply || 'reset' in reply) return fail(500, 'the model server dropped the request', null);
  let content = '';
  let finish = 'stop';
  if ('content' in reply) {
    content = reply.content;
    finish = reply.finishReason ?? 'stop';
  } else if ('contentFilter' in reply) finish = 'content_filter';
  else if ('whitespaceLoop' in reply) {
    content = (reply.prefix ?? '{"entity": {') + (reply.char ?? ' ').repeat(reply.whitespaceLoop);
    finish = 'length';
  }
  const prompt = tokens(line.body.messages.map((m) => m.content).join('\n'));
  const completion =
    finish === 'length' && typeof line.body.max_tokens === 'number' ? line.body.max_tokens : tokens(content);
  return {
    ok: true,
    text: JSON.stringify({
      ...base,
      response: {
        status_code: 200,
        request_id: `req_${seq}`,
        body: {
          id: `chatcmpl-b${seq}`,
          object: 'chat.completion',
          created: 0,
          model: line.body.model,
          choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: finish, logprobs: null }],
          usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
        },
      },
      error: null,
    }),
  };
}

/** Check an input file the way the Batch API validates one; the first problem fails the batch. */
function validate(content: string): { lines: Line[]; error: { code: string; message: string; line: number } | null } {
  const lines: Line[] = [];
  const ids = new Set<string>();
  const rows = content.split('\n').filter((l) => l.trim());
  for (let i = 0; i < rows.length; i++) {
    let o: { custom_id?: unknown; method?: unknown; url?: unknown; body?: ChatBody };
    try {
      o = JSON.parse(rows[i]!) as typeof o;
    } catch {
      return {
        lines,
        error: { code: 'invalid_json_line', message: 'This line is not parseable as valid JSON.', line: i + 1 },
      };
    }
    if (typeof o.custom_id !== 'string' || o.method !== 'POST' || typeof o.url !== 'string' || !o.body?.messages)
      return {
        lines,
        error: { code: 'invalid_request', message: 'custom_id, method, url and body are required.', line: i + 1 },
      };
    if (ids.has(o.custom_id))
      return {
        lines,
        error: { code: 'duplicate_custom_id', message: `The custom_id ${o.custom_id} is used twice.`, line: i + 1 },
      };
    ids.add(o.custom_id);
    lines.push({ custom_id: o.custom_id, body: o.body });
  }
  return { lines, error: null };
}

export function batchRoutes(script: BatchScript = {}): {
  routes: NonNullable<LoopbackOptions['routes']>;
  state: LoopbackBatchState;
} {
  const files = new Map<string, StoredFile>();
  const batches = new Map<string, BatchRec>();
  let ids = 0;
  let seq = 0;
  const state: LoopbackBatchState = {
    created: 0,
    linesReceived: 0,
    batches: [],
    deleted: [],
    files: () => [...files.keys()],
    polls: 0,
    lists: 0,
  };
  const respond = script.respond ?? (() => ({ content: DEFAULT_KEYINFO }));
  const store = (purpose: string, filename: string, content: string): StoredFile => {
    const f = { id: `file-${++ids}`, purpose, filename, content };
    files.set(f.id, f);
    return f;
  };
  const fileObject = (f: StoredFile) => ({
    id: f.id,
    object: 'file',
    bytes: Buffer.byteLength(f.content),
    created_at: 0,
    filename: f.filename,
    purpose: f.purpose,
    status: 'processed',
  });
  const batchObject = (b: BatchRec) => ({
    id: b.id,
    object: 'batch',
    endpoint: '/v1/chat/completions',
    errors: b.errors.length ? { object: 'list', data: b.errors.map((e) => ({ ...e, param: null })) } : null,
    input_file_id: b.input_file_id,
    completion_window: '24h',
    status: b.status,
    output_file_id: b.output_file_id,
    error_file_id: b.error_file_id,
    created_at: 0,
    metadata: b.metadata,
    request_counts: {
      total: b.lines.length,
      completed: b.out.length,
      failed: b.err.length,
    },
  });
  const seal = (b: BatchRec, status: string) => {
    b.status = status;
    if (b.out.length) b.output_file_id = store('batch_output', `${b.id}_output.jsonl`, b.out.join('\n') + '\n').id;
    if (b.err.length) b.error_file_id = store('batch_output', `${b.id}_error.jsonl`, b.err.join('\n') + '\n').id;
  };
  const advance = (b: BatchRec) => {
    if (b.status === 'validating') {
      b.status = b.errors.length ? 'failed' : 'in_progress';
      return;
    }
    if (b.status === 'cancelling') return seal(b, 'cancelled');
    if (b.status === 'finalizing') return seal(b, 'completed');
    if (b.status !== 'in_progress') return;
    if (b.cancel) {
      b.status = 'cancelling';
      return;
    }
    const expireAt = script.expireAfter?.(b.no) ?? null;
    const step = script.perPoll ?? b.lines.length;
    for (let i = 0; i < step && b.answered < b.lines.length; i++) {
      if (expireAt !== null && b.answered >= expireAt) break;
      const line = b.lines[b.answered++]!;
      const userText = [...line.body.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
      const a = answerLine(line, respond({ body: line.body, userText, path: '/v1/batches', at: Date.now() }), ++seq);
      (a.ok ? b.out : b.err).push(a.text);
    }
    if (expireAt !== null && b.answered >= expireAt && b.answered < b.lines.length) return seal(b, 'expired');
    if (b.answered >= b.lines.length) b.status = 'finalizing';
  };

  const routes: NonNullable<LoopbackOptions['routes']> = ({
    method,
    path,
    body,
  }): RouteAnswer | null | Promise<RouteAnswer> => {
    const notFound = (what: string) => ({
      status: 404,
      body: { error: { message: `No such ${what}`, type: 'invalid_request_error', code: null } },
    });
    if (method === 'POST' && /\/files$/.test(path)) {
      const { filename, purpose, content } = multipartFile(body);
      return { status: 200, body: fileObject(store(purpose, filename, content)) };
    }
    let m = /\/files\/([^/]+)\/content$/.exec(path);
    if (m && method === 'GET') {
      const f = files.get(m[1]!);
      return f ? { status: 200, text: f.content } : notFound('file');
    }
    m = /\/files\/([^/]+)$/.exec(path);
    if (m && method === 'DELETE') {
      if (!files.delete(m[1]!)) return notFound('file');
      state.deleted.push(m[1]!);
      return { status: 200, body: { id: m[1], object: 'file', deleted: true } };
    }
    if (method === 'POST' && /\/batches$/.test(path)) {
      const req = JSON.parse(body) as { input_file_id: string; metadata?: Record<string, string> };
      const f = files.get(req.input_file_id);
      if (!f) return notFound('file');
      const checked = validate(f.content);
      const { lines } = checked;
      const error = script.invalid?.(state.created + 1)
        ? { code: 'invalid_request', message: 'Line 1: the body is not a valid chat completion request.', line: 1 }
        : checked.error;
      const b: BatchRec = {
        id: `batch_${++ids}`,
        no: ++state.created,
        status: 'validating',
        input_file_id: f.id,
        lines: error ? [] : lines,
        out: [],
        err: [],
        answered: 0,
        errors: error ? [error] : [],
        output_file_id: null,
        error_file_id: null,
        metadata: req.metadata ?? null,
        cancel: false,
      };
      state.linesReceived += lines.length;
      state.batches.push(lines.map((l) => l.custom_id));
      batches.set(b.id, b);
      const lost = script.loseCreate?.(b.no) ?? null;
      if (lost === 'hang') return new Promise<RouteAnswer>(() => {});
      if (lost === 'error')
        return { status: 502, body: { error: { message: 'Bad gateway', type: 'server_error', code: null } } };
      return { status: 200, body: batchObject(b) };
    }
    // Lists, newest first, in one page (the SDK's auto-pagination stops at has_more: false).
    const page = (data: unknown[]) => ({ status: 200, body: { object: 'list', data, has_more: false } });
    if (method === 'GET' && /\/batches$/.test(path)) {
      state.lists++;
      return page([...batches.values()].reverse().map(batchObject));
    }
    if (method === 'GET' && /\/files$/.test(path)) {
      state.lists++;
      return page([...files.values()].reverse().map(fileObject));
    }
    m = /\/batches\/([^/]+)\/cancel$/.exec(path);
    if (m && method === 'POST') {
      const b = batches.get(m[1]!);
      if (!b) return notFound('batch');
      b.cancel = true;
      if (b.status === 'validating') b.status = 'cancelling';
      return { status: 200, body: batchObject(b) };
    }
    m = /\/batches\/([^/]+)$/.exec(path);
    if (m && method === 'GET') {
      const b = batches.get(m[1]!);
      if (!b) return notFound('batch');
      state.polls++;
      advance(b);
      return { status: 200, body: batchObject(b) };
    }
    return null;
  };
  return { routes, state };
}

/** The loopback server with the batch routes. */
export async function startBatchServer(
  script: BatchScript = {},
  opts: Omit<LoopbackOptions, 'routes'> = {},
): Promise<{ server: LoopbackServer; batch: LoopbackBatchState }> {
  const { routes, state } = batchRoutes(script);
  const server = await startLoopbackServer({ ...opts, ...(script.respond ? { respond: script.respond } : {}), routes });
  return { server, batch: state };
}
