import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { jsonrepair } from 'jsonrepair';
import { afterEach, describe, expect, it } from 'vitest';
import { createLlm } from '../../src/pipeline/llm/index.js';
import { KEYINFO_RESPONSE_SCHEMA } from '../../src/pipeline/llm/structured.js';
import {
  cutAfterInnerBrace,
  cutAtRandom,
  faultMix,
  MIXED_RATES,
  seededRng,
  studyOf,
  studyOfRequest,
  type FaultReport,
} from './loopback-faults.js';
import {
  DEFAULT_KEYINFO,
  startLoopbackServer,
  startLoopbackServerProcess,
  type LoopbackOptions,
  type LoopbackServer,
  type Reply,
  type SeenRequest,
} from './loopback-server.js';
import { testProfile, userMsg } from './llm.js';

const servers: Array<{ close(): Promise<void> }> = [];
async function server(opts: LoopbackOptions): Promise<LoopbackServer> {
  const s = await startLoopbackServer(opts);
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const sdkFor = (url: string, over: ConstructorParameters<typeof OpenAI>[0] = {}) =>
  new OpenAI({ baseURL: url, apiKey: 'k', maxRetries: 0, timeout: 10_000, ...over });

interface Received {
  text: string;
  finish: string | null;
  usage: { completion_tokens: number } | null;
  chunks: number;
  error: unknown;
}

/** One request through the real SDK, as a client sees it (an error mid-stream keeps what came before it). */
async function ask(sdk: OpenAI, stream: boolean, extra: Record<string, unknown> = {}): Promise<Received> {
  const got: Received = { text: '', finish: null, usage: null, chunks: 0, error: null };
  const body = {
    model: 'extractor',
    messages: userMsg('STUDY s1 FINDINGS: small left effusion.'),
    max_tokens: 300,
    temperature: 0,
    ...extra,
  };
  try {
    if (!stream) {
      const c = (await sdk.chat.completions.create(body as never)) as OpenAI.Chat.Completions.ChatCompletion;
      got.text = c.choices[0]?.message.content ?? '';
      got.finish = c.choices[0]?.finish_reason ?? null;
      got.usage = c.usage ?? null;
      return got;
    }
    const s = (await sdk.chat.completions.create({
      ...body,
      stream: true,
      stream_options: { include_usage: true },
    } as never)) as unknown as AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>;
    for await (const ch of s) {
      const c = ch.choices[0];
      if (c?.delta?.content) {
        got.text += c.delta.content;
        got.chunks++;
      }
      if (c?.finish_reason) got.finish = c.finish_reason;
      if (ch.usage) got.usage = ch.usage;
    }
  } catch (err) {
    got.error = err;
  }
  return got;
}

const only = (reply: Reply): LoopbackOptions => ({ respond: () => reply });

describe('truncation as a server shows it', () => {
  const rng = seededRng('t');
  const random = cutAtRandom(DEFAULT_KEYINFO, rng);
  const inner = cutAfterInnerBrace(DEFAULT_KEYINFO, rng);

  it('cuts after an inner closing brace, so a JSON repair closes it into a plausible object', () => {
    expect(inner.endsWith('}')).toBe(true);
    expect(DEFAULT_KEYINFO.startsWith(inner) && inner.length < DEFAULT_KEYINFO.length).toBe(true);
    expect(() => JSON.parse(inner)).toThrow();
    expect(() => JSON.parse(jsonrepair(inner))).not.toThrow();
  });

  for (const stream of [false, true]) {
    for (const [name, content] of [
      ['random cut', random],
      ['inner brace', inner],
      ['complete-looking', DEFAULT_KEYINFO],
    ] as const) {
      it(`${name}: the text as cut, finish_reason length, completion_tokens = max_tokens (stream ${stream})`, async () => {
        const s = await server(only({ content, finishReason: 'length' }));
        const r = await ask(sdkFor(s.url), stream);
        expect(r.error).toBeNull();
        expect(r.text).toBe(content);
        expect(r.finish).toBe('length');
        expect(r.usage?.completion_tokens).toBe(300);
      });
    }
  }
});

describe('slow, stalled and hung responses', () => {
  it('waits between chunks of a slow stream', async () => {
    const s = await server(only({ content: DEFAULT_KEYINFO, chunks: 4, chunkDelayMs: 60 }));
    const t0 = performance.now();
    const r = await ask(sdkFor(s.url), true);
    expect(r.text).toBe(DEFAULT_KEYINFO);
    expect(r.chunks).toBe(4);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(3 * 60 * 0.9);
  });

  it('sends a first chunk and then nothing (stalled stream)', async () => {
    const s = await server(only({ content: DEFAULT_KEYINFO, chunks: 4, stallAfterChunks: 1 }));
    const ac = new AbortController();
    const stream = (
      await sdkFor(s.url).chat.completions.create(
        { model: 'extractor', messages: userMsg('x'), stream: true },
        { signal: ac.signal },
      )
    )[Symbol.asyncIterator]();
    let first = '';
    while (!first) first = (await stream.next()).value?.choices[0]?.delta?.content ?? '';
    expect(first).toBe(DEFAULT_KEYINFO.slice(0, first.length));
    const next = stream.next().then(() => 'more');
    const quiet = new Promise((r) => setTimeout(() => r('quiet'), 300));
    expect(await Promise.race([next, quiet])).toBe('quiet');
    ac.abort();
    await next.catch(() => {});
  });

  it('a stalled stream with closeAfterMs ends in a connection error, not a finish', async () => {
    const s = await server(only({ content: DEFAULT_KEYINFO, stallAfterChunks: 1, closeAfterMs: 50 }));
    const r = await ask(sdkFor(s.url), true);
    expect(r.finish).toBeNull();
    expect(r.error).toBeInstanceOf(Error);
  });

  it('a hang before headers times the client out', async () => {
    const s = await server(only({ hang: true }));
    const r = await ask(sdkFor(s.url, { timeout: 200 }), false);
    expect(r.error).toBeInstanceOf(APIConnectionTimeoutError);
  });

  for (const stream of [false, true]) {
    it(`a hang dropped by the gateway is a connection error (stream ${stream})`, async () => {
      const s = await server(only({ hang: true, closeAfterMs: 50 }));
      const r = await ask(sdkFor(s.url), stream);
      expect(r.error).toBeInstanceOf(APIConnectionError);
    });
  }
});

describe('errors, resets and filters', () => {
  it('a 401 echoes the whole request URL, key in the query included', async () => {
    const s = await server({ apiKey: 'right' });
    const r = await ask(sdkFor(s.url, { defaultQuery: { 'api-key': 'sk-wrong-123' } }), false);
    expect(r.error).toBeInstanceOf(APIError);
    expect((r.error as APIError).status).toBe(401);
    expect((r.error as Error).message).toContain(`${s.url}/chat/completions?api-key=sk-wrong-123`);
  });

  it('an error reply with echoUrl quotes the URL', async () => {
    const s = await server(only({ status: 401, message: 'Access denied', echoUrl: true }));
    const r = await ask(sdkFor(s.url, { defaultQuery: { 'api-key': 'sk-in-url' } }), true);
    expect((r.error as Error).message).toContain('api-key=sk-in-url');
  });

  for (const status of [500, 503] as const) {
    it(`HTTP ${status}`, async () => {
      const s = await server(only({ status }));
      const r = await ask(sdkFor(s.url), true);
      expect((r.error as APIError).status).toBe(status);
    });
  }

  it('429 carries retry-after and retry-after-ms', async () => {
    const s = await server(only({ status: 429, retryAfter: 2, retryAfterMs: 1500 }));
    const r = await ask(sdkFor(s.url), false);
    const e = r.error as APIError;
    expect(e.status).toBe(429);
    expect(e.headers?.get('retry-after')).toBe('2');
    expect(e.headers?.get('retry-after-ms')).toBe('1500');
  });

  it('a reset mid-stream keeps the first chunk and then fails', async () => {
    const s = await server(only({ reset: true, afterChunks: 1 }));
    const r = await ask(sdkFor(s.url), true);
    expect(r.chunks).toBe(1);
    expect(r.finish).toBeNull();
    expect(r.error).toBeInstanceOf(Error);
  });

  for (const stream of [false, true]) {
    it(`a reset before headers is a connection error (stream ${stream})`, async () => {
      const s = await server(only({ reset: true, afterChunks: 0 }));
      const r = await ask(sdkFor(s.url), stream);
      expect(r.chunks).toBe(0);
      expect(r.error).toBeInstanceOf(APIConnectionError);
    });
  }

  it('content filter on the prompt is a 400 with code content_filter; on the completion a finish_reason', async () => {
    const s1 = await server(only({ contentFilter: 'prompt' }));
    const a = await ask(sdkFor(s1.url), false);
    expect((a.error as APIError).status).toBe(400);
    expect((a.error as APIError).code).toBe('content_filter');
    const s2 = await server(only({ contentFilter: 'completion' }));
    for (const stream of [false, true]) expect((await ask(sdkFor(s2.url), stream)).finish).toBe('content_filter');
  });

  for (const stream of [false, true]) {
    it(`a whitespace runaway pads the prefix until the limit (stream ${stream})`, async () => {
      const s = await server(only({ whitespaceLoop: 2000, prefix: '{"entity": {', char: '\n' }));
      const r = await ask(sdkFor(s.url), stream);
      expect(r.text).toBe('{"entity": {' + '\n'.repeat(2000));
      expect(r.finish).toBe('length');
      expect(r.usage?.completion_tokens).toBe(300);
    });
  }
});

const seen = (userText: string, body: Partial<SeenRequest['body']> = {}): SeenRequest => ({
  body: { model: 'extractor', messages: [{ role: 'user', content: userText }], temperature: 0, ...body },
  userText,
  path: '/v1/chat/completions',
  at: 0,
});
const kindOf = (r: Reply) => ('status' in r ? `status ${r.status}` : 'content' in r ? 'content' : Object.keys(r)[0]!);

describe('the seeded fault mix', () => {
  it('reads the study id from a STUDY marker, else hashes the text', () => {
    expect(studyOf('FINDINGS: STUDY s000042. Effusion.')).toBe('s000042');
    expect(studyOf('no marker')).toBe(studyOf('no marker'));
    expect(studyOf('no marker')).not.toBe(studyOf('other text'));
    const followup = seen('Is there edema?', {
      messages: [
        { role: 'user', content: 'FINDINGS: STUDY s9. Edema.' },
        { role: 'assistant', content: '{}' },
        { role: 'user', content: 'Is there edema?' },
      ],
    });
    expect(studyOfRequest(followup)).toBe('s9');
  });

  it('serves model-output faults again on retry at temperature 0, transient ones not', () => {
    const trunc = faultMix({ seed: 1, rates: { truncate: 1 } }, DEFAULT_KEYINFO);
    const a = trunc(seen('STUDY s1'));
    const b = trunc(seen('STUDY s1'));
    expect(b).toEqual(a);
    expect('content' in a && a.finishReason).toBe('length');
    // A bigger budget is another request, drawn again.
    const bigger = faultMix({ seed: 1, rates: { truncate: 0.5 } }, DEFAULT_KEYINFO);
    const cutBoth = Array.from({ length: 200 }, (_, i) => [
      bigger(seen(`STUDY m${i}`, { max_tokens: 100 })),
      bigger(seen(`STUDY m${i}`, { max_tokens: 4000 })),
    ]);
    expect(cutBoth.some(([x, y]) => JSON.stringify(x) !== JSON.stringify(y))).toBe(true);

    const five = faultMix({ seed: 1, rates: { server: 0.5 } }, DEFAULT_KEYINFO);
    const firstAndSecond = Array.from({ length: 200 }, (_, i) => [
      kindOf(five(seen(`STUDY s${i}`))),
      kindOf(five(seen(`STUDY s${i}`))),
    ]);
    expect(firstAndSecond.some(([x, y]) => x !== y)).toBe(true);
  });

  it('draws model-output faults per attempt above temperature 0', () => {
    const mix = faultMix({ seed: 2, rates: { garbage: 0.5 } }, DEFAULT_KEYINFO);
    const pairs = Array.from({ length: 200 }, (_, i) => [
      mix(seen(`STUDY t${i}`, { temperature: 0.7 })),
      mix(seen(`STUDY t${i}`, { temperature: 0.7 })),
    ]);
    expect(pairs.some(([x, y]) => JSON.stringify(x) !== JSON.stringify(y))).toBe(true);
  });

  it('is the same for the same seed and serves each kind near its rate', () => {
    const rates = MIXED_RATES;
    const run = () => {
      const mix = faultMix({ seed: 7, rates }, DEFAULT_KEYINFO);
      for (let i = 0; i < 10_000; i++) mix(seen(`STUDY s${i}`));
      return mix.ledger.report();
    };
    const r = run();
    expect(run()).toEqual(r);
    for (const [kind, rate] of Object.entries(rates)) {
      expect(r.counts[kind] ?? 0, kind).toBeGreaterThan(10_000 * rate * 0.65);
      expect(r.counts[kind] ?? 0, kind).toBeLessThan(10_000 * rate * 1.35);
    }
  });

  it('refuses json_schema only for requests that ask for it', () => {
    const mix = faultMix({ seed: 3, rates: { schema_refused: 1 } }, DEFAULT_KEYINFO);
    expect(mix(seen('STUDY a', { response_format: { type: 'json_schema' } }))).toMatchObject({ status: 400 });
    expect(mix(seen('STUDY a'))).toEqual({ content: DEFAULT_KEYINFO });
  });

  it('records what it served under the key the client computed, at GET /__faults', async () => {
    const s = await server({ faults: { seed: 5, rates: { truncate: 1 } } });
    const llm = createLlm(testProfile(s.url), { env: {} });
    const res = await llm.client.complete({
      model: 'extractor',
      messages: userMsg('FINDINGS: STUDY s77. Effusion.'),
      params: { temperature: 0, max_tokens: 64 },
      responseSchema: KEYINFO_RESPONSE_SCHEMA,
    });
    await llm.close();
    const report = (await (await fetch(`http://127.0.0.1:${s.port}/__faults`)).json()) as FaultReport;
    expect(report.counts).toEqual({ truncate: 1 });
    expect(report.requests[0]).toMatchObject({
      study: 's77',
      attempt: 1,
      fault: 'truncate',
      key: res.key,
      finishReason: 'length',
    });
    expect(s.faults()).toEqual(report);
  });

  it('answers 429 past its capacity, and records it when a mix is on', async () => {
    const s = await server({ capacity: 2, latency: { kind: 'fixed', ms: 1000 }, faults: { seed: 1, rates: {} } });
    const sdk = sdkFor(s.url);
    const got = await Promise.all(Array.from({ length: 4 }, () => ask(sdk, false)));
    expect(got.filter((r) => r.error === null)).toHaveLength(2);
    const limited = got.filter((r) => r.error !== null).map((r) => r.error as APIError);
    expect(limited.map((e) => [e.status, e.headers?.get('retry-after-ms')])).toEqual([
      [429, '250'],
      [429, '250'],
    ]);
    expect(s.faults()!.counts).toEqual({ none: 2, rate_limit: 2 });
    // Capacity frees up when answers are done.
    expect((await ask(sdk, true)).error).toBeNull();
  });

  it('works in the child process from JSON options', async () => {
    const s = await startLoopbackServerProcess({ faults: { seed: 9, rates: { fenced: 1 } } });
    servers.push(s);
    const r = await ask(sdkFor(s.url), true);
    expect(r.text).toBe('```json\n' + DEFAULT_KEYINFO + '\n```');
    const report = (await (await fetch(`http://127.0.0.1:${s.port}/__faults`)).json()) as FaultReport;
    expect(report.requests).toMatchObject([{ study: 's1', fault: 'fenced' }]);
  });
});
