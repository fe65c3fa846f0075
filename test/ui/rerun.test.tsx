import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server.js';
import { testProfile } from '../helpers/llm.js';
import { loadPrompt } from '../../src/pipeline/llm/prompts.js';
import { writeInspectorFixtures } from './helpers/fixtures.js';
import { KEY, pressAndWaitFor, renderApp, tempRun, waitForText } from './helpers/render.js';
import { INTERACTIVE_RETRIES } from '../../src/pipeline/inspect/rerun.js';

let server: LoopbackServer;
beforeAll(async () => {
  server = await startLoopbackServer({ models: ['extractor'] });
});
afterAll(async () => {
  await server.close();
});
afterEach(() => cleanup());

const rawLines = async (run: Awaited<ReturnType<typeof tempRun>>) => {
  const out: string[] = [];
  for await (const r of run.artifact('raw').lines()) out.push(r.study_id);
  return out;
};

describe('re-run one report against an endpoint', () => {
  it('compares the new answer with the current one and writes nothing unless accepted', async () => {
    const run = await tempRun();
    await writeInspectorFixtures(run);
    await run.update((s) => void (s.config.llm = testProfile(server.url) as unknown as Record<string, unknown>));
    const before = await rawLines(run);
    const version = run.state.artifacts.raw!.version;
    const app = await renderApp(run, [], { initial: { screen: 'inspector', inspectorStudy: 's100' } });
    await waitForText(app, /finding\s+rules/);

    await pressAndWaitFor(app, 'e', 'prompt (profile default)');
    let frame = await pressAndWaitFor(app, KEY.enter, /status ok/, 15_000);
    // the loopback model answers a left small pleural effusion and no pneumothorax
    expect(frame).toMatch(/≠\s+\+ pleural effusion\s+·\s+\+/);
    expect(frame).toMatch(/≠\s+- pneumothorax\s+·\s+-/);
    expect(frame).toMatch(/≠\s+\+ opacity\s+\+\s+·/);
    expect(server.requests.at(-1)?.userText).toContain('FINDINGS: Mild left basilar opacity.');
    // How the request went: sent to the endpoint this time.
    expect(frame).toMatch(/[\d,]+ ms · [\d,]+ in \/ [\d,]+ out tokens · sent · endpoint http:\/\/127\.0\.0\.1/);

    // Esc discards: nothing written
    await pressAndWaitFor(app, KEY.escape, /finding\s+rules/);
    expect(await rawLines(run)).toEqual(before);
    expect(run.state.artifacts.raw!.version).toBe(version);

    // a keeps it: one more raw line for s100, raw's version bumped (later steps go stale)
    await pressAndWaitFor(app, 'e', 'prompt (profile default)');
    // The same request again: answered from the response cache, and the panel says so.
    frame = await pressAndWaitFor(app, KEY.enter, /status ok/, 15_000);
    expect(frame).toMatch(/0 ms · [\d,]+ in \/ [\d,]+ out tokens · from the cache/);
    frame = await pressAndWaitFor(app, 'a', 'kept the re-run of s100');
    expect(frame).toContain('standardize is now stale');
    expect(await rawLines(run)).toEqual([...before, 's100']);
    expect(run.state.artifacts.raw!.version).toBe(version + 1);
    const latest = (await run.artifact<{ study_id: string; keyinfo: unknown; model?: string }>('raw').readMap()).get(
      's100',
    );
    expect(latest?.model).toBe('extractor');
    expect(JSON.stringify(latest?.keyinfo)).toContain('pleural effusion');
    await pressAndWaitFor(app, KEY.escape, /finding\s+rules/);
    await run.close();
  });

  it('j/k pick the prompt as the arrows do, and the chosen prompt is the one sent', async () => {
    const run = await tempRun();
    await writeInspectorFixtures(run);
    await run.update((s) => void (s.config.llm = testProfile(server.url) as unknown as Record<string, unknown>));
    const app = await renderApp(run, [], { initial: { screen: 'inspector', inspectorStudy: 's100' } });
    await waitForText(app, /finding\s+rules/);
    await pressAndWaitFor(app, 'e', '▸ simple');
    await pressAndWaitFor(app, 'j', '▸ full');
    await pressAndWaitFor(app, 'k', '▸ simple');
    await pressAndWaitFor(app, KEY.down, '▸ full');
    await pressAndWaitFor(app, KEY.enter, /status ok/, 15_000);
    const system = server.requests.at(-1)?.body.messages[0]?.content;
    expect(system).toBe(loadPrompt('full').text);
    await pressAndWaitFor(app, KEY.escape, /finding\s+rules/);
    await run.close();
  });

  it('a failed call (endpoint down) is shown as no answer and cannot replace the current raw row', async () => {
    const down = await startLoopbackServer({ models: ['extractor'], respond: () => ({ status: 503 }) });
    const run = await tempRun();
    await writeInspectorFixtures(run);
    await run.update(
      (s) =>
        void (s.config.llm = testProfile(down.url, { retries: { max: 1, baseMs: 5, maxMs: 10 } }) as unknown as Record<
          string,
          unknown
        >),
    );
    const before = await rawLines(run);
    const app = await renderApp(run, [], { initial: { screen: 'inspector', inspectorStudy: 's100' } });
    await waitForText(app, /finding\s+rules/);
    await pressAndWaitFor(app, 'e', 'prompt (profile default)');
    let frame = await pressAndWaitFor(app, KEY.enter, /status failed/, 15_000);
    // no answer: n/a, not "not stated"
    expect(frame).toMatch(/\+ opacity\s+\+\s+n\/a/);
    expect(frame).toContain('nothing to keep');
    frame = await pressAndWaitFor(app, 'a', /nothing to keep/);
    expect(frame).not.toContain('kept the re-run');
    expect(await rawLines(run)).toEqual(before);
    await pressAndWaitFor(app, KEY.escape, /finding\s+rules/);
    await run.close();
    await down.close();
  });

  it('an interactive re-run retries once, not with the bulk policy, so a dead endpoint fails fast', async () => {
    let calls = 0;
    const down = await startLoopbackServer({ models: ['extractor'], respond: () => (calls++, { status: 503 }) });
    const run = await tempRun();
    await writeInspectorFixtures(run);
    await run.update(
      (s) =>
        void (s.config.llm = testProfile(down.url, { retries: { max: 5, baseMs: 5, maxMs: 10 } }) as unknown as Record<
          string,
          unknown
        >),
    );
    const app = await renderApp(run, [], { initial: { screen: 'inspector', inspectorStudy: 's100' } });
    await waitForText(app, /finding\s+rules/);
    await pressAndWaitFor(app, 'e', 'prompt (profile default)');
    await pressAndWaitFor(app, KEY.enter, /status failed/, 15_000);
    expect(calls).toBe(1 + INTERACTIVE_RETRIES);
    await pressAndWaitFor(app, KEY.escape, /finding\s+rules/);
    await run.close();
    await down.close();
  });
});
