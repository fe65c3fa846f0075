import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { goldStep } from '../../src/pipeline/finetune/gold/step.js';
import { setReview } from '../../src/pipeline/finetune/gold/review.js';
import { finetuneStep } from '../../src/pipeline/finetune/step.js';
import { serveStep } from '../../src/pipeline/finetune/serve/step.js';
import { readServerRecord } from '../../src/pipeline/finetune/serve/vllm.js';
import { loadPrompt, parseLlmConfig } from '../../src/pipeline/llm/index.js';
import { ExtractionResultSchema } from '../../src/pipeline/schemas/extraction.js';
import { Run } from '../../src/pipeline/store/run.js';
import { byUserText, DEFAULT_KEYINFO, startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server.js';
import type { StepEvent } from '../../src/pipeline/steps/contract.js';
import { makeTempDir } from '../helpers/tmp.js';
import { alive, BIN, freePort, logs, makeHarness, stepErrors, waitFor, writeGold, type Harness } from './harness.js';

let h: Harness | null = null;
let strong: LoopbackServer | null = null;
const servers: number[] = [];
const foreign: http.Server[] = [];
afterEach(async () => {
  for (const f of foreign.splice(0)) await new Promise((r) => f.close(r));
  for (const pid of servers.splice(0)) {
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      /* gone */
    }
  }
  await strong?.close();
  strong = null;
  await h?.cleanup();
  h = null;
});

/** Another program's HTTP server on the port: /health answers 200 (as any vLLM does), the API wants another key. */
function foreignServer(port = 0): Promise<{ port: number; hits: string[] }> {
  const hits: string[] = [];
  const srv = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/health') res.writeHead(200).end();
    else res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"Unauthorized"}');
  });
  foreign.push(srv);
  return new Promise((resolve) =>
    srv.listen(port, '127.0.0.1', () => resolve({ port: (srv.address() as AddressInfo).port, hits })),
  );
}

/** A run folder trained once with the tests' finetune params, shared by the serve-only tests (training is not what they test). */
let template: Harness | null = null;
afterAll(async () => {
  await template?.cleanup();
});

async function trained(
  params: Record<string, unknown>,
  env: NodeJS.ProcessEnv = {},
  opts: { ownTraining?: boolean } = {},
): Promise<Harness> {
  const finetune = { loggingSteps: 1 };
  const harness = await makeHarness({
    params: { finetune, serve: { smoke: 1, readyTimeoutSeconds: 60, ...params } },
    env,
  });
  writeGold(harness.run, 3);
  if (opts.ownTraining) {
    expect((await harness.step(finetuneStep as never)).outcome, stepErrors(harness)).toBe('done');
    return harness;
  }
  if (!template) {
    template = await makeHarness({ params: { finetune } });
    writeGold(template.run, 3);
    expect((await template.step(finetuneStep as never)).outcome, stepErrors(template)).toBe('done');
  }
  // The merged model and the finetune step's record, as if this run had trained it.
  fs.cpSync(path.join(template.dir, 'finetune'), path.join(harness.dir, 'finetune'), { recursive: true });
  const done = template.run.state;
  await harness.run.update((s) => {
    s.steps.finetune = structuredClone(done.steps.finetune!);
    for (const [k, v] of Object.entries(done.artifacts)) if (!(k in s.artifacts)) s.artifacts[k] = structuredClone(v);
  });
  return harness;
}

/** One serve run that may fail either way (a recorded step error or a thrown user error); its error text and events. */
async function serveOnce(
  harness: Harness,
  opts: { env?: NodeJS.ProcessEnv; onEvent?: (e: StepEvent) => void } = {},
): Promise<{ outcome: string; error: string; events: StepEvent[] }> {
  const events: StepEvent[] = [];
  const onEvent = (e: StepEvent) => {
    events.push(e);
    opts.onEvent?.(e);
  };
  try {
    const r = await harness.step(serveStep as never, { env: opts.env, onEvent });
    return { outcome: r.outcome, error: harness.run.state.steps.serve?.error ?? '', events };
  } catch (err) {
    return { outcome: 'failed', error: (err as Error).message, events };
  }
}

const goldProfile = (url: string) => ({
  profiles: {
    gold: {
      model: 'strong-model',
      endpoints: [{ url }],
      retries: { max: 1, baseMs: 10, maxMs: 20 },
      timeoutMs: 30_000,
      idleTimeoutMs: 20_000,
    },
  },
});

describe('gold → finetune → serve with the loopback strong model and stand-in tools', () => {
  it('extracts the gold set, lists failures, trains, serves with vLLM, checks /tokenize parity, smoke-tests and records the endpoint', async () => {
    strong = await startLoopbackServer({
      models: ['strong-model'],
      respond: byUserText((text) =>
        text.includes('Study 1.')
          ? { status: 500 }
          : text.includes('Study 2.')
            ? { content: 'Sorry, I cannot read this report.' }
            : { content: DEFAULT_KEYINFO },
      ),
    });
    const port = await freePort();
    h = await makeHarness({
      reports: 8,
      llm: goldProfile(strong.url),
      params: {
        gold: { n: 6, seed: 123 },
        finetune: { loggingSteps: 1, saveSteps: 2, family: 'llama3' },
        serve: { port, readyTimeoutSeconds: 60 },
      },
    });

    const gold = await h.step(goldStep as never);
    expect(gold.outcome, stepErrors(h!)).toBe('done');
    const rows = await h.run.artifact('gold', ExtractionResultSchema).readMap();
    expect(rows.size).toBe(6);
    // Every request went to the strong model with the full prompt as the system message.
    expect(strong.requests[0]!.body.model).toBe('strong-model');
    expect(strong.requests[0]!.body.messages[0]!.content).toBe(loadPrompt('full').text);
    const failedIds = [...rows.values()]
      .filter((r) => r.status === 'failed' || r.status === 'parse_error')
      .map((r) => r.study_id);
    expect(failedIds.sort()).toEqual(['s000001', 's000002'].filter((id) => rows.has(id)).sort());
    expect(failedIds.length).toBeGreaterThan(0);
    const text = logs(gold.events).join('\n');
    for (const id of failedIds) expect(text).toContain(`gold ${id}:`);

    const someOk = [...rows.values()].find((r) => r.status === 'ok')!;
    await setReview(h.run, someOk.study_id, { status: 'rejected' });
    const ft = await h.step(finetuneStep as never);
    expect(ft.outcome, stepErrors(h!)).toBe('done');
    expect(logs(ft.events).join('\n')).toContain(`${someOk.study_id}: rejected in review`);

    const serve = await h.step(serveStep as never);
    const rec = readServerRecord(h.dir)!;
    if (rec?.pid) servers.push(rec.pid);
    expect(serve.end && 'error' in serve.end ? serve.end.error : undefined).toBeUndefined();
    expect(serve.outcome, stepErrors(h!)).toBe('done');
    const vllm = h.calls().find((c) => c.tool === 'vllm')!;
    expect(vllm.argv.slice(0, 2)).toEqual(['serve', path.join(h.dir, 'finetune', 'merged')]);
    const arg = (name: string) => vllm.argv[vllm.argv.indexOf(name) + 1];
    expect(arg('--served-model-name')).toBe('cxrvqa-extractor');
    expect(arg('--tensor-parallel-size')).toBe('2');
    expect(arg('--max-model-len')).toBe('4096');
    expect(arg('--port')).toBe(String(port));
    expect(arg('--chat-template')).toBe(path.join(h.dir, 'finetune', 'chat_template.jinja'));
    expect(vllm.argv).not.toContain('--api-key'); // the key goes through the environment
    expect(h.calls().some((c) => c.tool === 'nvidia-smi')).toBe(true);
    const slog = logs(serve.events).join('\n');
    expect(slog).toContain('served chat = trained prompt');
    expect(h.run.state.steps.serve!.summary).toMatch(/smoke test 3\/3 ok/);
    const llm = parseLlmConfig(h.run.state.config.llm);
    expect(llm.endpoints.map((e) => e.url)).toEqual([`http://127.0.0.1:${port}/v1`]);
    // The configured name plus this merge's fingerprint (see the retrain test below).
    expect(llm.model).toMatch(/^cxrvqa-extractor-[0-9a-f]{12}$/);
    expect(llm.prompt).toBe('simple');
    // The strong-model profile the gold step used is kept beside the served endpoint.
    expect(llm.profiles.gold).toMatchObject({ model: 'strong-model' });
    expect(llm.endpoints[0]!.keyFile).toBe(path.join(h.dir, 'serve', 'api-key'));
    expect(JSON.stringify(h.run.state)).not.toContain(
      fs.readFileSync(path.join(h.dir, 'serve', 'api-key'), 'utf8').trim(),
    );

    // Re-running serve finds the server up and does not start another.
    const again = await h.step(serveStep as never, { force: true });
    expect(again.outcome, stepErrors(h!)).toBe('done');
    expect(h.calls().filter((c) => c.tool === 'vllm')).toHaveLength(1);
    expect(logs(again.events).join('\n')).toContain('already serves cxrvqa-extractor');
  }, 120_000);

  it("serving with the model's own Llama 3.1 template: /tokenize shows the difference and the step refuses", async () => {
    const port = await freePort();
    h = await makeHarness({
      params: {
        finetune: { loggingSteps: 1, family: 'llama3' },
        serve: { port, chatTemplate: 'model', smoke: 1, readyTimeoutSeconds: 60 },
      },
    });
    writeGold(h.run, 4);
    expect((await h.step(finetuneStep as never)).outcome, stepErrors(h!)).toBe('done');
    await expect(h.step(serveStep as never)).rejects.toThrow(/served prompt differs from the trained one/);
    const rec = readServerRecord(h.dir)!;
    servers.push(rec.pid!);
    expect(h.run.state.steps.serve?.status).toBe('failed');
    await waitFor(() => !alive(rec.pid!)); // the server it could not vouch for is stopped
  }, 120_000);

  it('a server that dies while loading fails the step with its last log lines and is not left running', async () => {
    const port = await freePort();
    h = await trained({ port }, { STANDIN_VLLM_FAIL: '1' });
    const res = await h.step(serveStep as never);
    expect(res.outcome).toBe('failed');
    expect(h.run.state.steps.serve!.error).toMatch(/vllm serve exited \(1\)[\s\S]*CUDA out of memory while loading/);
    const pid = readServerRecord(h.dir)!.pid!;
    await waitFor(() => !alive(pid));
  }, 120_000);

  it('after a new merge, the server of the old model is stopped and a new one started', async () => {
    const port = await freePort();
    h = await makeHarness({
      params: { finetune: { loggingSteps: 1 }, serve: { port, smoke: 1, readyTimeoutSeconds: 60 } },
    });
    writeGold(h.run, 3);
    expect((await h.step(finetuneStep as never)).outcome, stepErrors(h!)).toBe('done');
    expect((await h.step(serveStep as never)).outcome, stepErrors(h!)).toBe('done');
    const first = readServerRecord(h.dir)!.pid!;
    servers.push(first);
    await h.run.update(
      (s) => void (s.steps.finetune!.params = { ...s.steps.finetune!.params, merge: { export_size: 2 } }),
    );
    expect((await h.step(finetuneStep as never)).outcome, stepErrors(h!)).toBe('done');
    const again = await h.step(serveStep as never);
    expect(again.outcome, stepErrors(h!)).toBe('done');
    const second = readServerRecord(h.dir)!.pid!;
    servers.push(second);
    expect(second).not.toBe(first);
    expect(alive(first)).toBe(false);
    expect(logs(again.events).join('\n')).toContain('stopping the server of an older model');
    expect(h.calls().filter((c) => c.tool === 'vllm')).toHaveLength(2);
  }, 120_000);

  it('cancel while the server is loading stops it and leaves the step interrupted', async () => {
    const port = await freePort();
    h = await trained({ port }, { STANDIN_VLLM_START_MS: '20000' });
    const ctl = new AbortController();
    const pending = h.step(serveStep as never, { signal: ctl.signal });
    await waitFor(() => h!.calls().some((c) => c.tool === 'vllm'), 30_000);
    ctl.abort();
    const res = await pending;
    expect(res.outcome).toBe('interrupted');
    const pid = readServerRecord(h.dir)!.pid!;
    await waitFor(() => !alive(pid));
  }, 120_000);

  it('without vllm on PATH it prints the serve command (key from a file, never inline), waits for the server and checks it', async () => {
    const port = await freePort();
    const nodeOnly = path.dirname(process.execPath);
    h = await trained({ port, pollSeconds: 0.1 });
    const env = { ...h.env, PATH: nodeOnly };
    let shown = '';
    const res = await h.step(serveStep as never, {
      env,
      onEvent: (e) => {
        const m = e.type === 'log' ? /^\s+VLLM_API_KEY=\$\(cat (\S+)\) vllm (.+)$/m.exec(e.message) : null;
        if (!m || shown) return;
        shown = m[0];
        const key = fs.readFileSync(m[1]!, 'utf8').trim();
        const child = spawn(path.join(BIN, 'vllm'), m[2]!.split(' '), {
          env: { ...env, VLLM_API_KEY: key },
          stdio: 'ignore',
          detached: true,
        });
        servers.push(child.pid!);
      },
    });
    expect(shown).toMatch(
      new RegExp(
        `vllm serve ${path.join(h.dir, 'finetune', 'merged')} --served-model-name cxrvqa-extractor cxrvqa-extractor-[0-9a-f]{12} --tensor-parallel-size 1 `,
      ),
    );
    expect(logs(res.events).join('\n')).toContain('serve: vllm is not on PATH');
    expect(res.outcome, stepErrors(h!)).toBe('done');
    expect(h.run.state.steps.serve!.summary).toMatch(/\(manual\); smoke test 1\/1 ok/);
  }, 120_000);

  it('a port held by another server that answers /health is reported as in use before any vllm is started', async () => {
    const other = await foreignServer();
    h = await trained({ port: other.port });
    const res = await serveOnce(h);
    expect(res.outcome).toBe('failed');
    const err = res.error;
    expect(err).toContain(`Port ${other.port} on 127.0.0.1 is in use by another program`);
    expect(err).not.toMatch(/rejected the key|HTTP 401/);
    expect(h.calls().filter((c) => c.tool === 'vllm')).toHaveLength(0);
    expect(logs(res.events).join('\n')).not.toMatch(/serve: healthy/);
    expect(h.run.state.config.llm).not.toHaveProperty('endpoints');
  }, 120_000);

  it('a server that takes the port while ours starts is never taken for ours: the step shows why ours failed', async () => {
    const port = await freePort();
    h = await trained({ port });
    const res = await serveOnce(h, {
      onEvent: (e) => {
        // Between the port check and vLLM binding it, another program takes the port.
        if (e.type === 'log' && e.message.startsWith('serve: $ ')) void foreignServer(port);
      },
    });
    expect(res.outcome).toBe('failed');
    const err = res.error;
    expect(err).toMatch(/vllm serve exited \(1\)/);
    expect(err).toContain('Address already in use');
    expect(err).toContain(`Port ${port} on 127.0.0.1 is in use by another program`);
    expect(err).not.toMatch(/rejected the key|HTTP 401/);
    expect(logs(res.events).join('\n')).not.toMatch(/serve: healthy/);
  }, 120_000);

  it('each server start has its own log: a failure shows the tail of the current attempt only', async () => {
    const port = await freePort();
    h = await trained({ port }, { STANDIN_VLLM_FAIL: '1' });
    const oom = await serveOnce(h);
    expect(oom.outcome).toBe('failed');
    expect(oom.error).toContain('CUDA out of memory');
    const res = await serveOnce(h, {
      env: { ...h.env, STANDIN_VLLM_FAIL: '' },
      onEvent: (e) => {
        if (e.type === 'log' && e.message.startsWith('serve: $ ')) void foreignServer(port);
      },
    });
    expect(res.outcome).toBe('failed');
    const err = res.error;
    expect(err).toContain('Address already in use');
    expect(err).not.toContain('CUDA out of memory');
    const logFile = path.join(h.dir, 'serve', 'vllm.log');
    expect(err).toContain(`Full log: ${logFile}`);
    expect(fs.readFileSync(logFile, 'utf8')).not.toContain('CUDA out of memory');
    expect(fs.readFileSync(path.join(h.dir, 'serve', 'vllm.1.log'), 'utf8')).toContain('CUDA out of memory');
  }, 120_000);

  it('smoke-test replies must pass the training-data KeyInfo validation, and the result says how many did', async () => {
    const port = await freePort();
    const listAttr =
      '{"opacity_vs_clear": {}, "entity": {"pleural effusion": {"location": ["left", "right"], "level": "small", "type": null}}, "uncertain_entity": [], "no_entity": []}';
    h = await trained({ port, smoke: 2 }, { STANDIN_VLLM_REPLY: listAttr });
    const bad = await serveOnce(h);
    servers.push(readServerRecord(h.dir)!.pid!);
    expect(bad.outcome).toBe('failed');
    const err = bad.error;
    expect(err).toMatch(/Smoke test failed: none of 2 gold reports gave valid KeyInfo/);
    expect(err).toMatch(/not valid KeyInfo at entity\.pleural effusion\.location/);
    expect(bad.events.filter((e) => e.type === 'item' && e.outcome === 'failed')).toHaveLength(2);
    expect(h.run.state.config.llm).not.toHaveProperty('endpoints');

    const good = await h.step(serveStep as never, { env: { ...h.env, STANDIN_VLLM_REPLY: '' } });
    servers.push(readServerRecord(h.dir)!.pid!);
    expect(good.outcome, stepErrors(h!)).toBe('done');
    expect(h.run.state.steps.serve!.summary).toMatch(/smoke test 2\/2 ok \(valid training KeyInfo\)/);
    expect(h.run.state.steps.serve!.counts).toMatchObject({ smokeOk: 2, smokeInvalid: 0, smokeFailed: 0 });
  }, 120_000);

  it('after a retrain the model is recorded under a name of that merge, so no answer of the old model comes from the LLM cache', async () => {
    const port = await freePort();
    const answer = (name: string) =>
      `{"opacity_vs_clear": {}, "entity": {"${name}": {"location": null, "level": null, "type": null}}, "uncertain_entity": [], "no_entity": []}`;
    h = await trained({ port }, {}, { ownTraining: true });
    const first = await h.step(serveStep as never, { env: { ...h.env, STANDIN_VLLM_REPLY: answer('old model') } });
    servers.push(readServerRecord(h.dir)!.pid!);
    expect(first.outcome, stepErrors(h!)).toBe('done');
    const firstModel = parseLlmConfig(h.run.state.config.llm).model;
    expect(firstModel).toMatch(/^cxrvqa-extractor-[0-9a-f]{12}$/);

    await h.run.update((s) => void (s.steps.finetune!.params = { ...s.steps.finetune!.params, learningRate: 5e-4 }));
    expect((await h.step(finetuneStep as never)).outcome, stepErrors(h!)).toBe('done');
    const second = await h.step(serveStep as never, { env: { ...h.env, STANDIN_VLLM_REPLY: answer('new model') } });
    servers.push(readServerRecord(h.dir)!.pid!);
    expect(second.outcome, stepErrors(h!)).toBe('done');
    const smoke = logs(second.events).filter((m) => m.startsWith('smoke '));
    expect(smoke.join('\n')).toContain('new model');
    expect(smoke.join('\n')).not.toContain('old model');
    const model = parseLlmConfig(h.run.state.config.llm).model;
    expect(model).toMatch(/^cxrvqa-extractor-[0-9a-f]{12}$/);
    expect(model).not.toBe(firstModel);
    const vllm = h
      .calls()
      .filter((c) => c.tool === 'vllm')
      .at(-1)!;
    const i = vllm.argv.indexOf('--served-model-name');
    expect(vllm.argv.slice(i + 1, i + 3)).toEqual(['cxrvqa-extractor', model]);
  }, 120_000);

  it('a running server recorded under another model name (started before models were named by merge) is replaced', async () => {
    const port = await freePort();
    h = await trained({ port });
    expect((await h.step(serveStep as never)).outcome, stepErrors(h!)).toBe('done');
    const rec = readServerRecord(h.dir)!;
    servers.push(rec.pid!);
    fs.writeFileSync(path.join(h.dir, 'serve', 'server.json'), JSON.stringify({ ...rec, model: 'cxrvqa-extractor' }));
    const again = await h.step(serveStep as never, { force: true });
    expect(again.outcome, stepErrors(h!)).toBe('done');
    servers.push(readServerRecord(h.dir)!.pid!);
    expect(logs(again.events).join('\n')).toContain('stopping the server of an older model');
    expect(alive(rec.pid!)).toBe(false);
    expect(h.calls().filter((c) => c.tool === 'vllm')).toHaveLength(2);
  }, 120_000);

  it('the gold / fine-tune / serve steps do not apply to the offline rules backend, with a clear reason', async () => {
    const tmp = makeTempDir();
    const run = await Run.open(tmp.dir, { create: true });
    try {
      for (const step of [goldStep, finetuneStep, serveStep]) {
        const a = (step.applies as (r: Run) => { ok: boolean; reason?: string })(run);
        expect(a.ok).toBe(false);
        expect(a.reason).toMatch(/needs --backend llm/);
      }
      await run.update((s) => void (s.config.backend = 'llm'));
      expect((goldStep.applies as (r: Run) => { reason?: string })(run).reason).toMatch(/no "gold" LLM profile/);
    } finally {
      await run.close();
      tmp.cleanup();
    }
  });
});
