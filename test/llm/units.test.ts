import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EndpointSchema, LlmProfileSchema } from '../../src/pipeline/llm/config.js';
import { retryAfter } from '../../src/pipeline/llm/endpoint.js';
import { redactSecrets, registerSecret, resolveKey } from '../../src/pipeline/llm/keys.js';
import { runPool, Scheduler } from '../../src/pipeline/llm/scheduler.js';
import { estimateRun } from '../../src/pipeline/llm/accounting.js';

describe('retry policy', () => {
  it('backs off exponentially with jitter, capped', () => {
    const cfg = LlmProfileSchema.parse({ retries: { max: 5, baseMs: 100, maxMs: 1000 } });
    const lo = new Scheduler([], cfg, { random: () => 0 });
    const hi = new Scheduler([], cfg, { random: () => 0.999 });
    expect([1, 2, 3, 4, 5].map((a) => lo.backoff(a))).toEqual([50, 100, 200, 400, 500]);
    expect([1, 2, 3, 4, 5].map((a) => hi.backoff(a))).toEqual([100, 200, 400, 800, 1000]);
  });

  it('reads retry-after-ms, retry-after seconds and HTTP dates', () => {
    expect(retryAfter(new Headers({ 'retry-after-ms': '1500' }))).toBe(1500);
    expect(retryAfter(new Headers({ 'retry-after': '2' }))).toBe(2000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfter(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }), now)).toBe(5000);
    expect(retryAfter(new Headers({}))).toBeUndefined();
  });
});

describe('keys', () => {
  it('come from an env variable or the first line of a key file, never from config', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cxr-key-')), 'key');
    fs.writeFileSync(file, 'sk-from-file-000111\nsecond line\n');
    expect(resolveKey(EndpointSchema.parse({ url: 'http://127.0.0.1/v1', keyFile: file }), {})).toBe(
      'sk-from-file-000111',
    );
    expect(resolveKey(EndpointSchema.parse({ url: 'http://127.0.0.1/v1', keyEnv: 'K' }), { K: 'sk-env' })).toBe(
      'sk-env',
    );
    expect(() =>
      resolveKey(EndpointSchema.parse({ url: 'http://127.0.0.1/v1', keyFile: file + '.missing' }), {}),
    ).toThrow(/cannot be read/);
    expect(() =>
      resolveKey(EndpointSchema.parse({ url: 'https://r.openai.azure.com', kind: 'azure' }), {}, { required: true }),
    ).toThrow(/needs a key/);
  });

  it('are redacted from any error text, whole or by their tail, and in headers', () => {
    registerSecret('sk-dummy-abcdefghijklmnop1234');
    expect(redactSecrets('bad key sk-dummy-abcdefghijklmnop1234 given')).toBe('bad key [REDACTED] given');
    expect(redactSecrets('key ending ...klmnop1234')).not.toContain('klmnop1234');
    expect(redactSecrets('Authorization: Bearer tok_9999999999')).toBe('Authorization: Bearer [REDACTED]');
    expect(redactSecrets('"api-key": "zzzzzzzzzzzz"')).not.toContain('zzzzzzzzzzzz');
  });
});

describe('continuous worker pool', () => {
  it('starts a new item as soon as one finishes (no batch barrier)', async () => {
    // One slow item must not hold back the others: with a batch barrier at concurrency 2, the third item
    // would wait for the slow first one. The slow item finishes only when released, so no clock is involved.
    let releaseSlow!: () => void;
    const slow = new Promise<void>((resolve) => (releaseSlow = resolve));
    let shortItemsDone!: () => void;
    const allShortDone = new Promise<void>((resolve) => (shortItemsDone = resolve));
    const events: string[] = [];
    const pool = runPool(['slow', 'a', 'b', 'c', 'd', 'e', 'f', 'g'], 2, async (item) => {
      events.push(`start ${item}`);
      await (item === 'slow' ? slow : new Promise((r) => setImmediate(r)));
      events.push(`end ${item}`);
      if (events.filter((e) => e.startsWith('end ')).length === 7) shortItemsDone();
    });
    // With a barrier this never resolves and the test times out.
    await allShortDone;
    expect(events).not.toContain('end slow');
    releaseSlow();
    await pool;
    expect(events.at(-1)).toBe('end slow');
  });
});

describe('estimate', () => {
  it('counts chars/4 input tokens, configured output tokens and prices', () => {
    const e = estimateRun([400, 800], {
      model: 'm',
      estimateOutputTokens: 100,
      prices: { m: { input: 1, output: 2 } },
    });
    expect(e.tokensIn).toBe(100 + 10 + 200 + 10);
    expect(e.tokensOut).toBe(200);
    expect(e.costUsd).toBeCloseTo((320 * 1 + 200 * 2) / 1e6);
    expect(e.method).toMatch(/chars\/4/);
  });
});
