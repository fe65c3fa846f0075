import { describe, expect, it } from 'vitest';
import { createLlm, type LlmEvent } from '../../src/pipeline/llm/index.js';
import { KEYINFO_RESPONSE_SCHEMA } from '../../src/pipeline/llm/structured.js';
import { byUserText, scriptedReplies, type Reply } from '../helpers/loopback-server.js';
import { testProfile, userMsg } from '../helpers/llm.js';
import { loopbackServers } from '../helpers/lifecycle.js';

const server = loopbackServers();

const req = (text = 'report') => ({ model: 'extractor', messages: userMsg(text), tag: text });

describe('LLM client over the real openai SDK and the loopback server', () => {
  for (const stream of [true, false]) {
    it(`returns text, usage and finish reason (stream ${stream})`, async () => {
      const s = await server({ respond: () => ({ content: '{"entity": {}}', chunks: 4 }) });
      const llm = createLlm(testProfile(s.url, { stream }), { env: {} });
      const r = await llm.client.complete({ ...req(), responseSchema: KEYINFO_RESPONSE_SCHEMA });
      await llm.close();
      expect(r.kind).toBe('ok');
      if (r.kind !== 'ok') return;
      expect(r.text).toBe('{"entity": {}}');
      expect(r.finishReason).toBe('stop');
      expect(r.usage?.completion_tokens).toBeGreaterThan(0);
      expect(s.requests[0]!.body.stream ?? false).toBe(stream);
      expect(s.requests[0]!.body.response_format).toMatchObject({
        type: 'json_schema',
        json_schema: { name: 'keyinfo' },
      });
      expect(s.requests[0]!.body).not.toHaveProperty('guided_json');
    });
  }

  it('honours Retry-After on 429 and retries in one layer only', async () => {
    const s = await server({ respond: scriptedReplies([{ status: 429, retryAfter: 0.4 }, { content: '{}' }]) });
    const events: LlmEvent[] = [];
    const llm = createLlm(testProfile(s.url), { env: {}, onEvent: (e) => events.push(e) });
    const r = await llm.client.complete(req());
    const waited = s.requests[1]!.at - s.requests[0]!.at;
    await llm.close();
    expect(r.kind).toBe('ok');
    expect(r.kind === 'ok' && r.attempts).toBe(2);
    expect(s.count).toBe(2); // the SDK did not retry on its own
    expect(waited).toBeGreaterThanOrEqual(390);
    // The one wait is the server's Retry-After, not the (20 ms) backoff and not a second layer's delay on top.
    expect(events.flatMap((e) => (e.type === 'retry' ? [e.delayMs] : []))).toEqual([400]);
  });

  it('retries 500, 503, connection resets and hangs, then succeeds', async () => {
    const s = await server({
      respond: scriptedReplies([
        { status: 500 },
        { status: 503 },
        { reset: true },
        { hang: true },
        { content: '{"entity": {}}' },
      ]),
    });
    const events: LlmEvent[] = [];
    const llm = createLlm(testProfile(s.url, { idleTimeoutMs: 300, rest: { afterFailures: 10, ms: 100 } }), {
      env: {},
      onEvent: (e) => events.push(e),
    });
    const r = await llm.client.complete(req());
    const st = llm.stats.snapshot();
    await llm.close();
    expect(r.kind).toBe('ok');
    expect(r.kind === 'ok' && r.attempts).toBe(5);
    expect(st.errors).toMatchObject({ server: 2, connection: 1, timeout: 1 });
    expect(events.filter((e) => e.type === 'retry').map((e) => e.type === 'retry' && e.errorKind)).toEqual([
      'server',
      'server',
      'connection',
      'timeout',
    ]);
  });

  it('gives up after the retry limit with the last error as a value', async () => {
    const s = await server({ respond: () => ({ status: 503 }) });
    const llm = createLlm(
      testProfile(s.url, { retries: { max: 2, baseMs: 5, maxMs: 10 }, rest: { afterFailures: 99, ms: 10 } }),
      { env: {} },
    );
    const r = await llm.client.complete(req());
    await llm.close();
    expect(r).toMatchObject({ kind: 'error', errorKind: 'server', attempts: 3, status: 503 });
    expect(s.count).toBe(3);
  });

  it('does not retry a wrong model (404) or a bad request', async () => {
    const s = await server({ models: ['other'] });
    const llm = createLlm(testProfile(s.url), { env: {} });
    const r = await llm.client.complete(req());
    await llm.close();
    expect(r).toMatchObject({ kind: 'error', errorKind: 'not_found', attempts: 1 });
  });

  it('records content-filter refusals (prompt and completion) as filtered, without retrying', async () => {
    const s = await server({
      respond: byUserText((t): Reply => ({ contentFilter: t === 'a' ? 'prompt' : 'completion' })),
    });
    const llm = createLlm(testProfile(s.url), { env: {} });
    const a = await llm.client.complete(req('a'));
    const b = await llm.client.complete(req('b'));
    await llm.close();
    expect(a).toMatchObject({ kind: 'filtered', attempts: 1 });
    expect(b).toMatchObject({ kind: 'filtered', attempts: 1 });
    expect(s.count).toBe(2);
  });

  it('aborts a response that loops on whitespace and retries it', async () => {
    const s = await server({ respond: scriptedReplies([{ whitespaceLoop: 5000 }, { content: '{"entity": {}}' }]) });
    const llm = createLlm(testProfile(s.url, { whitespaceLimit: 64 }), { env: {} });
    const r = await llm.client.complete(req());
    const st = llm.stats.snapshot();
    await llm.close();
    expect(r.kind).toBe('ok');
    expect(st.errors.whitespace_loop).toBe(1);
  });

  it('falls back to free text when a server rejects response_format (auto)', async () => {
    const s = await server({ rejectResponseFormat: true });
    const events: LlmEvent[] = [];
    const llm = createLlm(testProfile(s.url), { env: {}, onEvent: (e) => events.push(e) });
    const r1 = await llm.client.complete({ ...req('x'), responseSchema: KEYINFO_RESPONSE_SCHEMA });
    const r2 = await llm.client.complete({ ...req('y'), responseSchema: KEYINFO_RESPONSE_SCHEMA });
    await llm.close();
    expect(r1.kind).toBe('ok');
    expect(r2.kind).toBe('ok');
    expect(events.some((e) => e.type === 'structured-output-off')).toBe(true);
    expect(s.requests.map((q) => Boolean(q.body.response_format))).toEqual([true, false, false]);
  });

  it('cancels in-flight requests on abort, promptly', async () => {
    const s = await server({ respond: () => ({ hang: true }) });
    const llm = createLlm(testProfile(s.url, { idleTimeoutMs: 60_000, timeoutMs: 60_000 }), { env: {} });
    const ac = new AbortController();
    const p = Promise.all([1, 2, 3].map((i) => llm.client.complete(req(String(i)), { signal: ac.signal })));
    await new Promise((r) => setTimeout(r, 100));
    ac.abort();
    // The server never answers and the client's own timeouts (60 s) outlast the test's: only the abort can
    // settle these, so "promptly" needs no clock here; a missed abort fails by timing the test out.
    const rs = await p;
    await llm.close();
    for (const r of rs) expect(r).toMatchObject({ kind: 'error', errorKind: 'aborted' });
  });

  it('redacts the key from error text', async () => {
    const s = await server({ apiKey: 'sk-right-key-000000' });
    const llm = createLlm(testProfile(s.url, { endpoints: [{ url: s.url, keyEnv: 'TEST_KEY' }] }), {
      env: { TEST_KEY: 'sk-wrong-key-123456789' },
    });
    const r = await llm.client.complete(req());
    await llm.close();
    expect(r).toMatchObject({ kind: 'error', errorKind: 'auth' });
    expect(r.kind === 'error' && r.message).toContain('Incorrect API key provided');
    expect(JSON.stringify(r)).not.toContain('sk-wrong-key-123456789');
    expect(JSON.stringify(r)).not.toContain('23456789');
    expect(r.kind === 'error' && r.message).toContain('[REDACTED]');
  });

  it('keeps per-endpoint and total concurrency limits, spreading requests over endpoints', async () => {
    let inFlight = 0;
    let peak = 0;
    const mk = () =>
      server({
        respond: async () => {
          inFlight++;
          peak = Math.max(peak, inFlight);
          await new Promise((r) => setTimeout(r, 20));
          inFlight--;
          return { content: '{}' };
        },
      });
    const [a, b] = [await mk(), await mk()];
    const profile = testProfile([a.url, b.url], { concurrency: 6 });
    const llm = createLlm(
      { ...profile, endpoints: profile.endpoints.map((e) => ({ ...e, maxConcurrency: 4 })) },
      { env: {} },
    );
    await Promise.all(Array.from({ length: 60 }, (_, i) => llm.client.complete(req(`r${i}`))));
    await llm.close();
    expect(peak).toBeLessThanOrEqual(6);
    expect(peak).toBeGreaterThanOrEqual(5);
    expect(a.count).toBeGreaterThan(15);
    expect(b.count).toBeGreaterThan(15);
  });

  it('rests an endpoint that fails repeatedly and sends the work to the other', async () => {
    const bad = await server({ respond: () => ({ status: 500 }) });
    const good = await server({});
    const events: LlmEvent[] = [];
    const llm = createLlm(testProfile([bad.url, good.url], { rest: { afterFailures: 2, ms: 60_000 } }), {
      env: {},
      onEvent: (e) => events.push(e),
    });
    const rs = await Promise.all(Array.from({ length: 40 }, (_, i) => llm.client.complete(req(`q${i}`))));
    await llm.close();
    expect(rs.every((r) => r.kind === 'ok')).toBe(true);
    expect(events.some((e) => e.type === 'endpoint-rested' && e.endpoint.includes(String(bad.port)))).toBe(true);
    expect(bad.count).toBeLessThan(12); // rested after a few failures, not hit 40 times
  });

  it('speaks Azure OpenAI: deployment path, api-version, api-key header (dated and v1 API)', async () => {
    const s = await server({ models: ['my-gpt4o'], apiKey: 'azure-key-0000000000' });
    const root = s.url.replace(/\/v1$/, '');
    const dated = createLlm(
      testProfile(root, {
        endpoints: [{ url: root, kind: 'azure', deployment: 'my-gpt4o', apiVersion: '2024-10-21', keyEnv: 'AZ' }],
      }),
      { env: { AZ: 'azure-key-0000000000' } },
    );
    const v1 = createLlm(
      testProfile(root, { endpoints: [{ url: root, kind: 'azure', deployment: 'my-gpt4o', keyEnv: 'AZ' }] }),
      { env: { AZ: 'azure-key-0000000000' } },
    );
    const a = await dated.client.complete(req('a'));
    const b = await v1.client.complete(req('b'));
    await dated.close();
    await v1.close();
    expect(a.kind).toBe('ok');
    expect(b.kind).toBe('ok');
    expect(s.requests[0]!.path).toBe('/openai/deployments/my-gpt4o/chat/completions');
    expect(s.requests[1]!.path).toBe('/openai/v1/chat/completions');
    expect(s.requests[1]!.body.model).toBe('my-gpt4o');
  });
});
