import { describe, expect, it } from 'vitest';
import { createLlm, type CompletionResult, type LlmEvent } from '../../src/pipeline/llm/index.js';
import { KEYINFO_RESPONSE_SCHEMA } from '../../src/pipeline/llm/structured.js';
import type { Reply } from '../helpers/loopback-server.js';
import { testProfile, userMsg } from '../helpers/llm.js';
import { loopbackServers } from '../helpers/lifecycle.js';

/**
 * How the layer behaves under the failures real servers show (issue: a cut-off
 * reply must never become data; the LLM path under real server failures).
 * Order of events is asserted, never wall-clock bounds.
 */

const server = loopbackServers();

const req = (text: string) => ({ model: 'extractor', messages: userMsg(text), tag: text });

describe('LLM layer under server failures', () => {
  it('a request that never answers is sent again once answers are known to take far less, and the copy answers', async () => {
    let hangs = 0;
    const s = await server({
      latency: { kind: 'fixed', ms: 5 },
      respond: (q): Reply => (q.userText === 'stuck' && hangs++ === 0 ? { hang: true } : { content: '{"entity": {}}' }),
    });
    // Caps far above the test's time: only the learnt answer times can end the hang.
    const llm = createLlm(testProfile(s.url, { idleTimeoutMs: 600_000, timeoutMs: 600_000 }), { env: {} });
    for (let i = 0; i < 25; i++) expect((await llm.client.complete(req(`warm ${i}`))).kind).toBe('ok');
    const r = await llm.client.complete(req('stuck'));
    const st = llm.stats.snapshot();
    await llm.close();
    expect(r.kind).toBe('ok');
    // A warm-up request may be hedged too on a loaded machine (a pause past the p99): at least this one was.
    expect(st.hedges).toBeGreaterThanOrEqual(1);
    expect(s.requests.filter((q) => q.userText === 'stuck')).toHaveLength(2);
  });

  it('a hang at start-up, before any answer time is known, is not waited out once answers come in', async () => {
    const s = await server({
      latency: { kind: 'fixed', ms: 5 },
      respond: (q): Reply =>
        q.userText === 'first' && s.requests.filter((x) => x.userText === 'first').length === 1
          ? { hang: true }
          : { content: '{}' },
    });
    const llm = createLlm(testProfile(s.url, { idleTimeoutMs: 600_000, timeoutMs: 600_000, concurrency: 8 }), {
      env: {},
    });
    const stuck = llm.client.complete(req('first'));
    const others: Array<Promise<CompletionResult>> = [];
    for (let i = 0; i < 30; i++) others.push(llm.client.complete(req(`next ${i}`)));
    await Promise.all(others);
    const r = await stuck;
    await llm.close();
    expect(r.kind).toBe('ok');
  });

  it('one 429 slows that endpoint down but does not stop the other requests; the refused one waits its own Retry-After', async () => {
    const order: string[] = [];
    const s = await server({
      respond: (q): Reply => {
        order.push(q.userText);
        return q.userText === 'limited' && order.filter((t) => t === 'limited').length === 1
          ? { status: 429, retryAfter: 1 }
          : { content: '{}' };
      },
    });
    const events: LlmEvent[] = [];
    const llm = createLlm(testProfile(s.url), { env: {}, onEvent: (e) => events.push(e) });
    const limited = llm.client.complete(req('limited'));
    await new Promise((r) => setTimeout(r, 50));
    const others = await Promise.all(Array.from({ length: 6 }, (_, i) => llm.client.complete(req(`other ${i}`))));
    expect(await limited).toMatchObject({ kind: 'ok', attempts: 2 });
    await llm.close();
    expect(others.every((o) => o.kind === 'ok')).toBe(true);
    // Every other request was served before the refused one came back.
    expect(order.lastIndexOf('limited')).toBe(order.length - 1);
    expect(events.some((e) => e.type === 'endpoint-rested')).toBe(false);
    expect(events.find((e) => e.type === 'rate-limited')).toMatchObject({ limit: 6, max: 8 });
  });

  it('a rested endpoint that answers again serves the queued requests at once, not after its rest', async () => {
    const s = await server({
      respond: async (q): Promise<Reply> => {
        if (q.userText.startsWith('bad')) return { status: 500 };
        if (q.userText === 'slow') await new Promise((r) => setTimeout(r, 300));
        return { content: '{}' };
      },
    });
    // Rested for a minute after 3 failures; retries off so the failures land at once.
    const llm = createLlm(
      testProfile(s.url, { rest: { afterFailures: 3, ms: 60_000 }, retries: { max: 0, baseMs: 10, maxMs: 10 } }),
      { env: {} },
    );
    const slow = llm.client.complete(req('slow'));
    await Promise.all([1, 2, 3].map((i) => llm.client.complete(req(`bad ${i}`))));
    const queued = llm.client.complete(req('queued'));
    expect(await slow).toMatchObject({ kind: 'ok' });
    expect(await queued).toMatchObject({ kind: 'ok' });
    await llm.close();
  });

  it('a whitespace loop is the model’s: retried once, then its own error; the endpoint is never rested for it', async () => {
    const s = await server({ respond: (): Reply => ({ whitespaceLoop: 2000 }) });
    const events: LlmEvent[] = [];
    const llm = createLlm(testProfile(s.url, { whitespaceLimit: 64 }), { env: {}, onEvent: (e) => events.push(e) });
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await llm.client.complete(req(`loop ${i}`)));
    await llm.close();
    for (const r of results) {
      expect(r).toMatchObject({ kind: 'error', errorKind: 'whitespace_loop', attempts: 2 });
      expect(r.kind === 'error' && r.message).toMatch(/whitespace characters in a row \(a decoding loop\)/);
    }
    expect(events.some((e) => e.type === 'endpoint-rested')).toBe(false);
    expect(s.count).toBe(8);
  });

  it('a refused json_schema attempt is counted as a request, and a stack told it is refused never sends it', async () => {
    const s = await server({ rejectResponseFormat: true });
    const llm = createLlm(testProfile(s.url), { env: {} });
    await llm.client.complete({ ...req('a'), responseSchema: KEYINFO_RESPONSE_SCHEMA });
    expect(llm.stats.snapshot()).toMatchObject({ requests: 2, errors: { bad_request: 1 } });
    await llm.close();
    const label = s.url.replace(/\/$/, '');
    const again = createLlm(testProfile(s.url), { env: {}, structuredRefused: new Set([label]) });
    const before = s.count;
    await again.client.complete({ ...req('b'), responseSchema: KEYINFO_RESPONSE_SCHEMA });
    await again.close();
    expect(s.count - before).toBe(1);
    expect(s.requests.at(-1)!.body.response_format).toBeUndefined();
  });
});

describe('timeouts and hedging are settings', () => {
  it('llm set takes the caps in seconds and turns adaptive timeouts and hedging off', async () => {
    const { applyLlmSettings } = await import('../../src/pipeline/llm/settings.js');
    const cfg = applyLlmSettings(
      {},
      { firstTokenTimeout: '20', timeout: '120', adaptiveTimeouts: false, hedge: false },
    );
    expect(cfg).toMatchObject({ idleTimeoutMs: 20_000, timeoutMs: 120_000, adaptiveTimeouts: false, hedge: false });
    expect(applyLlmSettings({}, { adaptiveTimeouts: true, hedge: true })).toMatchObject({
      adaptiveTimeouts: true,
      hedge: true,
    });
    expect(() => applyLlmSettings({}, { timeout: 'soon' })).toThrow(/--timeout expects a number/);
  });

  it('with hedging off a stuck request is not copied', async () => {
    let hangs = 0;
    const s = await server({
      latency: { kind: 'fixed', ms: 5 },
      respond: (q): Reply => (q.userText === 'stuck' && hangs++ === 0 ? { hang: true } : { content: '{}' }),
    });
    const llm = createLlm(
      testProfile(s.url, { hedge: false, adaptiveTimeouts: false, idleTimeoutMs: 800, timeoutMs: 800 }),
      { env: {} },
    );
    for (let i = 0; i < 25; i++) await llm.client.complete(req(`warm ${i}`));
    const r = await llm.client.complete(req('stuck'));
    const st = llm.stats.snapshot();
    await llm.close();
    expect(r).toMatchObject({ kind: 'ok', attempts: 2 });
    expect(st.hedges).toBe(0);
    expect(st.errors.timeout).toBe(1);
  });
});

describe('not streamed', () => {
  it('a whitespace loop that arrives whole is recognised like a streamed one', async () => {
    const s = await server({ respond: (): Reply => ({ whitespaceLoop: 3000 }) });
    const llm = createLlm(testProfile(s.url, { stream: false, whitespaceLimit: 64 }), { env: {} });
    const r = await llm.client.complete(req('loop'));
    await llm.close();
    expect(r).toMatchObject({ kind: 'error', errorKind: 'whitespace_loop', attempts: 2 });
  });
});
