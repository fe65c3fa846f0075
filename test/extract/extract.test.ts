import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { extractStep } from '../../src/pipeline/extract/step.js';
import { runStep } from '../../src/pipeline/runner/runner.js';
import type { ExtractionResult } from '../../src/pipeline/schemas/extraction.js';
import type { AnyStep, RunnerEvent } from '../../src/pipeline/steps/contract.js';
import { Run } from '../../src/pipeline/store/run.js';
import { UserError } from '../../src/pipeline/util/errors.js';
import { applyLlmFlags } from '../../src/cli/commands/llm.js';
import { DEFAULT_KEYINFO, startLoopbackServer, type LoopbackServer, type Reply } from '../helpers/loopback-server.js';
import { closedAfterEach } from '../helpers/lifecycle.js';
import { llmRunWithReports } from './fixtures.js';

const step = extractStep as unknown as AnyStep;
let server: LoopbackServer | null = null;
const runs = closedAfterEach<Run>();
afterEach(async () => {
  await server?.close();
  server = null;
});

async function makeRun(n: number, llm: Record<string, unknown>, credentialed = true): Promise<Run> {
  const run = await llmRunWithReports(
    n,
    {
      model: 'extractor',
      retries: { max: 3, baseMs: 10, maxMs: 50 },
      idleTimeoutMs: 1000,
      timeoutMs: 3000,
      concurrency: 8,
      ...llm,
    },
    credentialed,
  );
  runs.push(run);
  return run;
}

// These tests check statuses row by row: no failed-share limit (that has its own test).
const env = (confirm: string[] = []) => ({
  confirmations: new Set(confirm),
  env: {} as NodeJS.ProcessEnv,
  maxFailed: 1,
});

async function rows(run: Run): Promise<ExtractionResult[]> {
  const out: ExtractionResult[] = [];
  for await (const r of run.artifact<ExtractionResult>('raw').lines()) out.push(r);
  return out;
}

describe('extract step (backend llm)', () => {
  it('extracts every report with an explicit status, keyed by study id', async () => {
    const replies: Record<number, Reply> = {
      1: { content: '```json\n' + DEFAULT_KEYINFO + '\n```' },
      2: { content: 'Sorry, I cannot do that.' },
      3: { contentFilter: 'completion' },
      4: { status: 400, message: 'bad' },
    };
    server = await startLoopbackServer({
      respond: (q) => replies[Number(/Study (\d+)/.exec(q.userText)![1])] ?? { content: DEFAULT_KEYINFO },
    });
    const run = await makeRun(30, { endpoints: [{ url: server.url }] });
    const events: RunnerEvent[] = [];
    const outcome = await runStep(run, step, {
      signal: new AbortController().signal,
      env: env(),
      onEvent: (e) => events.push(e),
    });
    expect(outcome).toBe('done');
    const rs = await rows(run);
    expect(rs).toHaveLength(30);
    expect(new Set(rs.map((r) => r.study_id)).size).toBe(30);
    const by = Object.fromEntries(rs.map((r) => [r.study_id, r]));
    expect(by.s000000!.status).toBe('ok');
    expect(by.s000001).toMatchObject({ status: 'repaired', backend: 'llm', model: 'extractor' });
    expect(by.s000002).toMatchObject({ status: 'parse_error', keyinfo: null, raw_text: 'Sorry, I cannot do that.' });
    expect(by.s000003!.status).toBe('filtered');
    expect(by.s000004!.status).toBe('failed');
    expect(by.s000004!.reason).toMatch(/bad_request/);
    expect(by.s000000!.request_key).toMatch(/^[0-9a-f]{64}$/);
    expect(run.state.steps.extract!.counts).toMatchObject({
      raw: 30,
      ok: 26,
      repaired: 1,
      parse_error: 1,
      filtered: 1,
      failed: 1,
    });
    // The first request carries the system prompt, the selected text and the recorded decoding params.
    const body = server.requests[0]!.body;
    expect(body.messages[0]!.role).toBe('system');
    expect(body.temperature).toBe(0);
    expect(body.max_tokens).toBe(2048);
    const logs = events.flatMap((e) => (e.type === 'step-event' && e.event.type === 'log' ? [e.event.message] : []));
    expect(logs.some((l) => /estimate: ~[\d,]+ input/.test(l))).toBe(true);
    const usage = events.filter((e) => e.type === 'step-event' && e.event.type === 'usage');
    expect(usage.length).toBeGreaterThan(0);
  });

  it('many requests in flight at once do not trigger a MaxListenersExceededWarning on the terminal', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      server = await startLoopbackServer({
        latency: { kind: 'fixed', ms: 30 },
        respond: () => ({ content: DEFAULT_KEYINFO }),
      });
      const run = await makeRun(40, { endpoints: [{ url: server.url }], concurrency: 32 });
      expect(await runStep(run, step, { signal: new AbortController().signal, env: env() })).toBe('done');
      // The warning is emitted on the next tick.
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => /MaxListeners/.test(w))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('resumes by study id: asks only for what is missing or failed', async () => {
    let fail = true;
    server = await startLoopbackServer({
      respond: (q) => (fail && /Study (3|7)\./.test(q.userText) ? { status: 400 } : { content: DEFAULT_KEYINFO }),
    });
    const run = await makeRun(20, { endpoints: [{ url: server.url }] });
    await runStep(run, step, { signal: new AbortController().signal, env: env() });
    expect(server.count).toBe(20);
    // Drop two finished rows as if the process died before writing them (the cache still has them).
    const file = run.artifactPath('raw');
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    fs.writeFileSync(file, lines.filter((l) => !/"s00001[01]"/.test(l)).join('\n') + '\n');
    fail = false;
    const outcome = await runStep(run, step, { signal: new AbortController().signal, env: env(), mode: 'resume' });
    expect(outcome).toBe('done');
    // Only the two failed ones went to the server; the two lost rows came from the response cache.
    expect(server.count).toBe(22);
    const map = await run.artifact<ExtractionResult>('raw').readMap();
    expect(map.size).toBe(20);
    expect([...map.values()].every((r) => r.status === 'ok')).toBe(true);
    expect(run.state.steps.extract!.counts.cached).toBe(2);
  });

  it('stops with one message when the endpoint is down, before any work', async () => {
    const run = await makeRun(5, { endpoints: [{ url: 'http://127.0.0.1:9/v1' }] });
    await expect(runStep(run, step, { signal: new AbortController().signal, env: env() })).rejects.toThrow(UserError);
    expect(fs.existsSync(run.artifactPath('raw'))).toBe(false);
  });

  it('refuses Azure for credentialed data without the confirmation', async () => {
    const run = await makeRun(5, { endpoints: [{ url: 'https://res.openai.azure.com', kind: 'azure', keyEnv: 'AZ' }] });
    const err = await runStep(run, step, { signal: new AbortController().signal, env: env() }).catch(
      (e: UserError) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toMatch(/Azure OpenAI/);
    expect((err as UserError).hint).toMatch(/--confirm azure-data-use/);
  });

  it('stops (not 227k failures) when the key is rejected mid-run', async () => {
    let n = 0;
    server = await startLoopbackServer({
      respond: () => (++n > 3 ? { status: 401, message: 'key revoked' } : { content: DEFAULT_KEYINFO }),
    });
    const run = await makeRun(200, { endpoints: [{ url: server.url }], concurrency: 2 });
    await expect(runStep(run, step, { signal: new AbortController().signal, env: env() })).rejects.toThrow(
      /Extraction stopped/,
    );
    expect(server.count).toBeLessThan(10);
    expect((await rows(run)).every((r) => r.status === 'ok')).toBe(true);
  });

  it('stops when every request keeps failing, instead of failing every report', async () => {
    server = await startLoopbackServer({ respond: () => ({ status: 503 }) });
    const run = await makeRun(300, {
      endpoints: [{ url: server.url }],
      concurrency: 2,
      retries: { max: 1, baseMs: 1, maxMs: 2 },
      rest: { afterFailures: 100, ms: 1 },
    });
    await expect(runStep(run, step, { signal: new AbortController().signal, env: env() })).rejects.toThrow(
      /in a row failed/,
    );
    const rs = await rows(run);
    expect(rs.length).toBeGreaterThanOrEqual(20);
    expect(rs.length).toBeLessThan(30);
    expect(rs.every((r) => r.status === 'failed')).toBe(true);
  });

  it('on Ctrl-C, in-flight work is left not done and nothing partial is written', async () => {
    const ac = new AbortController();
    // Stop once the 20th request arrives (not after a wall-clock delay: the machine may be busy).
    server = await startLoopbackServer({
      latency: { kind: 'fixed', ms: 50 },
      respond: () => (server!.count === 20 && setImmediate(() => ac.abort()), { content: DEFAULT_KEYINFO }),
    });
    const run = await makeRun(100, { endpoints: [{ url: server.url }], concurrency: 4 });
    const outcome = await runStep(run, step, { signal: ac.signal, env: env() });
    expect(outcome).toBe('interrupted');
    const rs = await rows(run);
    // 20 sent with 4 in flight → about 16 finished (fewer if the busy machine forced a retry).
    expect(rs.length).toBeGreaterThanOrEqual(10);
    expect(rs.length).toBeLessThan(20);
    expect(server.count).toBe(20);
    expect(rs.every((r) => r.status === 'ok')).toBe(true);
  });
});

describe('recorded prompt', () => {
  it('records the prompt hash with the config and warns when the file changed since', async () => {
    server = await startLoopbackServer({});
    const run = await makeRun(3, { endpoints: [{ url: server.url }] });
    const file = path.join(run.dir, 'my-prompt.txt');
    fs.writeFileSync(file, 'Return KeyInfo JSON, version 1.');
    await applyLlmFlags(run, { prompt: file });
    const sha = (run.state.config.llm as { promptSha?: string }).promptSha;
    expect(sha).toMatch(/^[0-9a-f]{12}$/);
    fs.writeFileSync(file, 'Return KeyInfo JSON, version 2.');
    const events: RunnerEvent[] = [];
    expect(
      await runStep(run, step, { signal: new AbortController().signal, env: env(), onEvent: (e) => events.push(e) }),
    ).toBe('done');
    const warns = events.flatMap((e) =>
      e.type === 'step-event' && e.event.type === 'log' && e.event.level === 'warn' ? [e.event.message] : [],
    );
    expect(warns.some((w) => w.includes('changed since it was set'))).toBe(true);
    expect(server.requests[0]!.body.messages[0]!.content).toBe('Return KeyInfo JSON, version 2.');
  });
});

describe('extract step (backend rules)', () => {
  it('needs the reference first, with a clear message', async () => {
    const run = await makeRun(3, {});
    await run.update((s) => (s.config.backend = 'rules'));
    await expect(runStep(run, step, { signal: new AbortController().signal, env: env() })).rejects.toThrow(/reference/);
  });

  it('converts reference records into raw rows', async () => {
    const run = await makeRun(3, {});
    await run.update((s) => (s.config.backend = 'rules'));
    run.artifact<{ study_id: string }>('reference').appendMany([
      {
        study_id: 's1',
        subject_id: 'p1',
        entity: {
          effusion: {
            entity_name: 'effusion',
            location: ['left'],
            type: [],
            level: ['small'],
            post_location: null,
            location2: null,
            type2: null,
            level2: null,
            post_location2: null,
            evidence: [],
          },
        },
        no_entity: ['pneumothorax'],
        uncertain_entity: [],
        no_entity_evidence: {},
        uncertain_evidence: {},
      } as { study_id: string },
    ]);
    run.artifact('reference').close();
    expect(await runStep(run, step, { signal: new AbortController().signal, env: env() })).toBe('done');
    const rs = await rows(run);
    expect(rs).toHaveLength(1);
    expect(rs[0]).toMatchObject({
      study_id: 's1',
      status: 'ok',
      backend: 'rules',
      keyinfo: { entity: { effusion: { location: 'left', level: 'small', type: null } }, no_entity: ['pneumothorax'] },
    });
  });
});
