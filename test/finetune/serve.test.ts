import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { goldStep } from '../../src/pipeline/finetune/gold/step.js';
import { setReview } from '../../src/pipeline/finetune/gold/review.js';
import { finetuneStep } from '../../src/pipeline/finetune/step.js';
import { serveStep } from '../../src/pipeline/finetune/serve/step.js';
import { readServerRecord } from '../../src/pipeline/finetune/serve/vllm.js';
import { loadPrompt, parseLlmConfig } from '../../src/pipeline/llm/index.js';
import { ExtractionResultSchema } from '../../src/pipeline/schemas/extraction.js';
import { Run } from '../../src/pipeline/store/run.js';
import { byUserText, DEFAULT_KEYINFO, startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server.js';
import { makeTempDir } from '../helpers/tmp.js';
import { alive, BIN, freePort, logs, makeHarness, stepErrors, waitFor, writeGold, type Harness } from './harness.js';

let h: Harness | null = null;
let strong: LoopbackServer | null = null;
const servers: number[] = [];
afterEach(async () => {
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

const goldProfile = (url: string) => ({ profiles: { gold: { model: 'strong-model', endpoints: [{ url }], retries: { max: 1, baseMs: 10, maxMs: 20 }, timeoutMs: 30_000, idleTimeoutMs: 20_000 } } });

describe('gold → finetune → serve with the loopback strong model and stand-in tools', () => {
  it('extracts the gold set, lists failures, trains, serves with vLLM, checks /tokenize parity, smoke-tests and records the endpoint', async () => {
    strong = await startLoopbackServer({
      models: ['strong-model'],
      respond: byUserText((text) => (text.includes('Study 1.') ? { status: 500 } : text.includes('Study 2.') ? { content: 'Sorry, I cannot read this report.' } : { content: DEFAULT_KEYINFO })),
    });
    const port = await freePort();
    h = await makeHarness({ reports: 8, llm: goldProfile(strong.url), params: { gold: { n: 6, seed: 123 }, finetune: { loggingSteps: 1, saveSteps: 2, family: 'llama3' }, serve: { port, readyTimeoutSeconds: 60 } } });

    const gold = await h.step(goldStep as never);
    expect(gold.outcome, stepErrors(h!)).toBe('done');
    const rows = await h.run.artifact('gold', ExtractionResultSchema).readMap();
    expect(rows.size).toBe(6);
    // Every request went to the strong model with the full prompt as the system message.
    expect(strong.requests[0]!.body.model).toBe('strong-model');
    expect(strong.requests[0]!.body.messages[0]!.content).toBe(loadPrompt('full').text);
    const failedIds = [...rows.values()].filter((r) => r.status === 'failed' || r.status === 'parse_error').map((r) => r.study_id);
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
    expect(llm.model).toBe('cxrvqa-extractor');
    expect(llm.prompt).toBe('simple');
    // The strong-model profile the gold step used is kept beside the served endpoint.
    expect(llm.profiles.gold).toMatchObject({ model: 'strong-model' });
    expect(llm.endpoints[0]!.keyFile).toBe(path.join(h.dir, 'serve', 'api-key'));
    expect(JSON.stringify(h.run.state)).not.toContain(fs.readFileSync(path.join(h.dir, 'serve', 'api-key'), 'utf8').trim());

    // Re-running serve finds the server up and does not start another.
    const again = await h.step(serveStep as never, { force: true });
    expect(again.outcome, stepErrors(h!)).toBe('done');
    expect(h.calls().filter((c) => c.tool === 'vllm')).toHaveLength(1);
    expect(logs(again.events).join('\n')).toContain('already serves cxrvqa-extractor');
  }, 120_000);

  it("serving with the model's own Llama 3.1 template: /tokenize shows the difference and the step refuses", async () => {
    const port = await freePort();
    h = await makeHarness({ params: { finetune: { loggingSteps: 1, family: 'llama3' }, serve: { port, chatTemplate: 'model', smoke: 1, readyTimeoutSeconds: 60 } } });
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
    h = await makeHarness({ params: { finetune: { loggingSteps: 1 }, serve: { port, readyTimeoutSeconds: 60 } }, env: { STANDIN_VLLM_FAIL: '1' } });
    writeGold(h.run, 3);
    expect((await h.step(finetuneStep as never)).outcome, stepErrors(h!)).toBe('done');
    const res = await h.step(serveStep as never);
    expect(res.outcome).toBe('failed');
    expect(h.run.state.steps.serve!.error).toMatch(/vllm serve exited \(1\)[\s\S]*CUDA out of memory while loading/);
    const pid = readServerRecord(h.dir)!.pid!;
    await waitFor(() => !alive(pid));
  }, 120_000);

  it('after a new merge, the server of the old model is stopped and a new one started', async () => {
    const port = await freePort();
    h = await makeHarness({ params: { finetune: { loggingSteps: 1 }, serve: { port, smoke: 1, readyTimeoutSeconds: 60 } } });
    writeGold(h.run, 3);
    expect((await h.step(finetuneStep as never)).outcome, stepErrors(h!)).toBe('done');
    expect((await h.step(serveStep as never)).outcome, stepErrors(h!)).toBe('done');
    const first = readServerRecord(h.dir)!.pid!;
    servers.push(first);
    await h.run.update((s) => void (s.steps.finetune!.params = { ...s.steps.finetune!.params, merge: { export_size: 2 } }));
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
    h = await makeHarness({ params: { finetune: { loggingSteps: 1 }, serve: { port, readyTimeoutSeconds: 60 } }, env: { STANDIN_VLLM_START_MS: '20000' } });
    writeGold(h.run, 3);
    expect((await h.step(finetuneStep as never)).outcome, stepErrors(h!)).toBe('done');
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
    h = await makeHarness({ params: { finetune: { loggingSteps: 1 }, serve: { port, smoke: 1, pollSeconds: 0.1, readyTimeoutSeconds: 60 } } });
    writeGold(h.run, 3);
    expect((await h.step(finetuneStep as never)).outcome, stepErrors(h!)).toBe('done');
    const env = { ...h.env, PATH: nodeOnly };
    let shown = '';
    const res = await h.step(serveStep as never, {
      env,
      onEvent: (e) => {
        const m = e.type === 'log' ? /^\s+VLLM_API_KEY=\$\(cat (\S+)\) vllm (.+)$/m.exec(e.message) : null;
        if (!m || shown) return;
        shown = m[0];
        const key = fs.readFileSync(m[1]!, 'utf8').trim();
        const child = spawn(path.join(BIN, 'vllm'), m[2]!.split(' '), { env: { ...env, VLLM_API_KEY: key }, stdio: 'ignore', detached: true });
        servers.push(child.pid!);
      },
    });
    expect(shown).toContain(`vllm serve ${path.join(h.dir, 'finetune', 'merged')} --served-model-name cxrvqa-extractor --tensor-parallel-size 1`);
    expect(logs(res.events).join('\n')).toContain('serve: vllm is not on PATH');
    expect(res.outcome, stepErrors(h!)).toBe('done');
    expect(h.run.state.steps.serve!.summary).toMatch(/\(manual\); smoke test 1\/1 ok/);
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
