import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { goldStep } from '../../src/pipeline/finetune/gold/step.js';
import { ExtractionResultSchema } from '../../src/pipeline/schemas/extraction.js';
import { byUserText, DEFAULT_KEYINFO, startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server.js';
import { logs, makeHarness, stepErrors, type Harness } from './harness.js';

let h: Harness | null = null;
let server: LoopbackServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
  await h?.cleanup();
  h = null;
});

const profile = (url: string, over: Record<string, unknown> = {}) => ({
  profiles: {
    gold: {
      model: 'strong',
      endpoints: [{ url }],
      retries: { max: 0, baseMs: 10, maxMs: 20 },
      timeoutMs: 30_000,
      idleTimeoutMs: 20_000,
      ...over,
    },
  },
});

describe('gold step', () => {
  it('writes the selection, and a forced re-run asks the server again only for the failed reports (the rest come from the cache)', async () => {
    let down = true;
    server = await startLoopbackServer({
      models: ['strong'],
      respond: byUserText((t) => (down && t.includes('Study 3.') ? { status: 500 } : { content: DEFAULT_KEYINFO })),
    });
    h = await makeHarness({ reports: 10, llm: profile(server.url), params: { gold: { n: 5, seed: 7 } } });
    const first = await h.step(goldStep as never);
    expect(first.outcome, stepErrors(h)).toBe('done');
    const sel = JSON.parse(fs.readFileSync(path.join(h.dir, 'gold', 'selection.json'), 'utf8')) as {
      ids: string[];
      seed: number;
    };
    expect(sel.ids).toHaveLength(5);
    expect(sel.seed).toBe(7);
    const gold = await h.run.artifact('gold', ExtractionResultSchema).readMap();
    expect([...gold.keys()].sort()).toEqual([...sel.ids].sort());
    const failed = [...gold.values()].filter((r) => r.status === 'failed').map((r) => r.study_id);
    expect(failed).toEqual(sel.ids.filter((id) => id === 's000003'));

    down = false;
    const before = server.count;
    const again = await h.step(goldStep as never, { force: true });
    expect(again.outcome, stepErrors(h)).toBe('done');
    expect(server.count - before).toBe(failed.length);
    const after = await h.run.artifact('gold', ExtractionResultSchema).readMap();
    expect([...after.values()].every((r) => r.status === 'ok')).toBe(true);
  });

  it('many reports in flight do not trigger a MaxListenersExceededWarning on the terminal', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      server = await startLoopbackServer({ models: ['strong'], latency: { kind: 'fixed', ms: 30 } });
      h = await makeHarness({ reports: 24, llm: profile(server.url), params: { gold: { n: 20, concurrency: 16 } } });
      const r = await h.step(goldStep as never);
      expect(r.outcome, stepErrors(h)).toBe('done');
      await new Promise((res) => setImmediate(res));
      expect(warnings.filter((w) => /MaxListeners/.test(w))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('an interrupted gold run resumes by study id without asking again for finished reports', async () => {
    server = await startLoopbackServer({ models: ['strong'], latency: { kind: 'fixed', ms: 40 } });
    h = await makeHarness({ reports: 12, llm: profile(server.url), params: { gold: { n: 8, concurrency: 1 } } });
    const ctl = new AbortController();
    let items = 0;
    const first = await h.step(goldStep as never, {
      signal: ctl.signal,
      onEvent: (e) => e.type === 'item' && ++items === 3 && ctl.abort(),
    });
    expect(first.outcome).toBe('interrupted');
    const done = await h.run.artifact('gold', ExtractionResultSchema).keys();
    expect(done.size).toBeGreaterThanOrEqual(3);
    expect(done.size).toBeLessThan(8);
    const before = server.count;
    const second = await h.step(goldStep as never);
    expect(second.outcome, stepErrors(h)).toBe('done');
    expect(logs(second.events).join('\n')).toContain(`resuming: ${done.size} of 8 gold reports already done`);
    expect(server.count - before).toBe(8 - done.size); // finished reports are not asked again
    expect((await h.run.artifact('gold', ExtractionResultSchema).keys()).size).toBe(8);
  });

  it('an exclusion list that leaves nothing stops with a clear message, before any request', async () => {
    server = await startLoopbackServer({ models: ['strong'] });
    h = await makeHarness({ reports: 3, llm: profile(server.url), params: { gold: {} } });
    const list = path.join(h.dir, 'ids.txt');
    fs.writeFileSync(list, 's000000\ns000001\ns000002\n');
    await h.run.update((s) => void (s.steps.gold!.params = { exclude: list }));
    await expect(h.step(goldStep as never)).rejects.toThrow(
      /The gold set is empty: all 3 reports are in the exclusion list/,
    );
    expect(server.count).toBe(0);
    await h.run.update((s) => void (s.steps.gold!.params = { exclude: path.join(h!.dir, 'missing.txt') }));
    await expect(h.step(goldStep as never)).rejects.toThrow(/Cannot read the exclusion list/);
  });
});
