import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLlm, requestKey } from '../../src/pipeline/llm/index.js';
import { ResponseCache } from '../../src/pipeline/llm/cache.js';
import { scriptedReplies, startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server.js';
import { testProfile, userMsg } from '../helpers/llm.js';

let s: LoopbackServer | null = null;
afterEach(async () => {
  await s?.close();
  s = null;
});
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'cxr-cache-'));
const req = (text: string, params = { temperature: 0, max_tokens: 100 }) => ({
  model: 'extractor',
  messages: userMsg(text),
  params,
});

describe('response cache', () => {
  it('answers a repeated request from disk, across instances, without asking the server', async () => {
    s = await startLoopbackServer({});
    const dir = tmp();
    const a = createLlm(testProfile(s.url), { env: {}, cacheDir: dir });
    const r1 = await a.client.complete(req('one'));
    await a.close();
    const b = createLlm(testProfile(s.url), { env: {}, cacheDir: dir });
    const r2 = await b.client.complete(req('one'));
    await b.close();
    expect(r1).toMatchObject({ kind: 'ok', cached: false });
    expect(r2).toMatchObject({ kind: 'ok', cached: true });
    expect(r2.kind === 'ok' && r1.kind === 'ok' && r2.text === r1.text).toBe(true);
    expect(s.count).toBe(1);
    // The report text is not stored in the cache, only its hash and the answer.
    expect(fs.readFileSync(path.join(dir, 'responses.jsonl'), 'utf8')).not.toContain('one');
  });

  it('keys by model, messages and decoding params; not by endpoint or key', () => {
    expect(requestKey(req('x'))).toBe(requestKey({ ...req('x'), tag: 'other tag' }));
    expect(requestKey(req('x'))).not.toBe(requestKey(req('y')));
    expect(requestKey(req('x'))).not.toBe(requestKey(req('x', { temperature: 0.5, max_tokens: 100 })));
    expect(requestKey(req('x'))).not.toBe(requestKey({ ...req('x'), model: 'other' }));
  });

  it('never caches errors, refusals or output the caller rejects', async () => {
    s = await startLoopbackServer({
      respond: scriptedReplies([
        { status: 400 },
        { contentFilter: 'completion' },
        { content: 'not json' },
        { content: '{}' },
      ]),
    });
    const dir = tmp();
    const llm = createLlm(testProfile(s.url), { env: {}, cacheDir: dir, accept: (t) => t.startsWith('{') });
    const rs = [];
    for (let i = 0; i < 4; i++) rs.push(await llm.client.complete(req('same')));
    await llm.close();
    expect(rs.map((r) => r.kind)).toEqual(['error', 'filtered', 'ok', 'ok']);
    expect(s.count).toBe(4); // nothing was served from cache until a good answer came
    const cache = new ResponseCache(dir);
    expect(cache.count).toBe(1);
    expect(cache.get(requestKey(req('same')))?.text).toBe('{}');
  });

  it('shares one in-flight request between identical concurrent callers', async () => {
    s = await startLoopbackServer({ latency: { kind: 'fixed', ms: 50 } });
    const llm = createLlm(testProfile(s.url), { env: {}, cacheDir: tmp() });
    const rs = await Promise.all(Array.from({ length: 10 }, () => llm.client.complete(req('dup'))));
    await llm.close();
    expect(rs.every((r) => r.kind === 'ok')).toBe(true);
    expect(s.count).toBe(1);
  });

  it('sets a torn last line aside after a crash and keeps the rest', () => {
    const dir = tmp();
    const c = new ResponseCache(dir);
    c.put({
      kind: 'ok',
      text: '{"a":1}',
      finishReason: 'stop',
      usage: null,
      model: 'm',
      key: 'a'.repeat(64),
      endpoint: 'e',
      cached: false,
      attempts: 1,
      latencyMs: 1,
    });
    c.close();
    fs.appendFileSync(c.file, '{"key":"' + 'b'.repeat(64) + '","text":"{\\"trunc');
    const d = new ResponseCache(dir);
    expect(d.count).toBe(1);
    expect(d.tornBytes).toBeGreaterThan(0);
    expect(fs.existsSync(c.file + '.torn')).toBe(true);
    d.put({
      kind: 'ok',
      text: '{}',
      finishReason: 'stop',
      usage: null,
      model: 'm',
      key: 'c'.repeat(64),
      endpoint: 'e',
      cached: false,
      attempts: 1,
      latencyMs: 1,
    });
    d.close();
    const e = new ResponseCache(dir);
    expect(e.count).toBe(2);
    expect(e.get('c'.repeat(64))?.text).toBe('{}');
  });
});
