import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { extractStep } from '../../src/pipeline/extract/step.js';
import { runStep } from '../../src/pipeline/runner/runner.js';
import type { ExtractionResult } from '../../src/pipeline/schemas/extraction.js';
import type { AnyStep } from '../../src/pipeline/steps/contract.js';
import { Run } from '../../src/pipeline/store/run.js';
import { startLoopbackServer, type LoopbackServer, type Reply } from '../helpers/loopback-server.js';
import { closedAfterEach } from '../helpers/lifecycle.js';
import { llmRunWithReports } from './fixtures.js';

/**
 * A reply cut off by the token limit must never become data: it is `truncated`,
 * keeps its text, is not cached, and is asked once more with a larger max_tokens.
 */

const step = extractStep as unknown as AnyStep;
let server: LoopbackServer | null = null;
const runs = closedAfterEach<Run>();
afterEach(async () => {
  await server?.close();
  server = null;
});

const FULL =
  '{"opacity_vs_clear": {}, "entity": {"opacity": {"location": "right lower lobe", "level": null, "type": null}, "rib fracture": {"location": "left", "level": null, "type": null}}, "uncertain_entity": [], "no_entity": ["pneumothorax"]}';
/** Cut right after the first inner closing brace: "first { to last }" plus a repair would parse it. */
const CUT_AFTER_INNER_BRACE = FULL.slice(0, FULL.indexOf('}, "rib fracture"') + 1);

async function makeRun(n: number, llm: Record<string, unknown>): Promise<Run> {
  const run = await llmRunWithReports(n, {
    endpoints: [{ url: server!.url }],
    model: 'extractor',
    retries: { max: 2, baseMs: 10, maxMs: 50 },
    concurrency: 4,
    decoding: { max_tokens: 100 },
    ...llm,
  });
  runs.push(run);
  return run;
}

const env = { confirmations: new Set<string>(), env: {} as NodeJS.ProcessEnv, maxFailed: 1 };

async function rows(run: Run): Promise<Map<string, ExtractionResult>> {
  return run.artifact<ExtractionResult>('raw').readMap();
}

describe('cut-off replies in extract', () => {
  it('a reply cut at max_tokens is retried once with twice the max_tokens, and the complete answer is kept', async () => {
    server = await startLoopbackServer({
      respond: (q): Reply =>
        (q.body.max_tokens ?? 0) > 100 ? { content: FULL } : { content: CUT_AFTER_INNER_BRACE, finishReason: 'length' },
    });
    const run = await makeRun(6, {});
    expect(await runStep(run, step, { signal: new AbortController().signal, env })).toBe('done');
    const got = await rows(run);
    expect([...got.values()].map((r) => r.status)).toEqual(Array(6).fill('ok'));
    expect(Object.keys((got.get('s000000')!.keyinfo as { entity: object }).entity)).toEqual([
      'opacity',
      'rib fracture',
    ]);
    const sizes = server.requests.map((r) => r.body.max_tokens);
    expect(sizes.filter((m) => m === 100)).toHaveLength(6);
    expect(sizes.filter((m) => m === 200)).toHaveLength(6);
  });

  it('a reply that stays cut off is `truncated` with its text kept, is never data and never cached', async () => {
    const replies: Reply[] = [
      { content: CUT_AFTER_INNER_BRACE, finishReason: 'length' },
      { content: CUT_AFTER_INNER_BRACE, finishReason: 'stop' }, // a proxy that hides the cut
      { content: FULL, finishReason: 'length' }, // complete-looking, but the server says it was cut
    ];
    server = await startLoopbackServer({ respond: (q) => replies[Number(/Study (\d+)/.exec(q.userText)![1]) % 3]! });
    const run = await makeRun(6, {});
    expect(await runStep(run, step, { signal: new AbortController().signal, env })).toBe('done');
    for (const r of (await rows(run)).values()) {
      expect(r.status, r.study_id).toBe('truncated');
      expect(r.keyinfo).toBeNull();
      expect(r.raw_text).toMatch(/^\{"opacity_vs_clear"/);
      expect(r.reason).toMatch(/cut off/);
    }
    const cache = path.join(run.dir, 'llm-cache', 'responses.jsonl');
    expect(fs.existsSync(cache) ? fs.readFileSync(cache, 'utf8') : '').toBe('');
    // A resume asks for them again (not final), instead of keeping the cut-off rows.
    const before = server.count;
    await run.update((s) => void (s.steps.extract!.status = 'interrupted'));
    await runStep(run, step, { signal: new AbortController().signal, env });
    expect(server.count).toBeGreaterThan(before);
  });

  it('the retry respects the configured cap, and a refused retry keeps the first verdict with the reason', async () => {
    server = await startLoopbackServer({
      respond: (q): Reply =>
        (q.body.max_tokens ?? 0) > 100
          ? { status: 400, message: 'max_tokens is too large: 200 + prompt > max_model_len' }
          : { content: CUT_AFTER_INNER_BRACE, finishReason: 'length' },
    });
    const run = await makeRun(2, {});
    await runStep(run, step, { signal: new AbortController().signal, env });
    const r = (await rows(run)).get('s000000')!;
    expect(r).toMatchObject({ status: 'truncated', keyinfo: null });
    expect(r.reason).toMatch(/retry with max_tokens 200 did not answer .*max_model_len/);

    await server.close();
    server = await startLoopbackServer({
      respond: (): Reply => ({ content: CUT_AFTER_INNER_BRACE, finishReason: 'length' }),
    });
    const capped = await makeRun(2, { truncationRetryMaxTokens: 100 });
    await runStep(capped, step, { signal: new AbortController().signal, env });
    expect(server.requests.map((q) => q.body.max_tokens)).toEqual([100, 100]);
    expect((await rows(capped)).get('s000000')!.reason).toMatch(/no retry: max_tokens is at its cap/);
  });
});
