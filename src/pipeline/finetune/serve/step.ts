import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { EndpointSchema, loadPrompt, parseLlmConfig, preflightLlm, resolveProfile, type Endpoint, type LlmProfile } from '../../llm/index.js';
import { REPORTS } from '../../ingest/artifacts.js';
import type { Step, StepContext, StepResult } from '../../steps/contract.js';
import type { Run } from '../../store/run.js';
import { UserError } from '../../util/errors.js';
import { finetuneLayout } from '../export/write.js';
import { MODEL_ARTIFACT } from '../step.js';
import { extractReports } from '../llm.js';
import { USABLE_STATUSES } from '../../schemas/extraction.js';
import { fineTunePathApplies } from '../gold/step.js';
import { GOLD } from '../gold/artifacts.js';
import { listGold } from '../gold/review.js';
import { FinetuneParamsSchema, ServeParamsSchema, type FinetuneParams, type ServeParams } from '../params.js';
import { commandLine, isAlive, killGroup, startDetached, tailFile } from '../proc/child.js';
import { queryGpus, tensorParallelSize, which } from '../proc/tools.js';
import { formatSeconds } from '../train/stage.js';
import { mergedProblems, readMarker } from '../train/outputs.js';
import { checkServedParity } from './parity.js';
import { readServerRecord, serveCommand, serverKey, serverRecordFile, waitHealthy, type ServerRecord } from './vllm.js';

/**
 * Serve step: start `vllm serve` on the merged model, wait until /v1/models
 * lists it, check the served prompt against the trained one with /tokenize,
 * extract a few gold reports as a smoke test, and record the endpoint as the
 * run's LLM config so the extract step uses it. The server keeps running
 * after the step (stop it with `cxrvqa finetune stop-server`).
 */

type Ctx = StepContext<ServeParams>;

export const serveStep: Step<typeof ServeParamsSchema> = {
  id: 'serve',
  title: 'Serve the fine-tuned model (vLLM)',
  description: 'Start vllm serve on the merged model, check prompt parity with /tokenize, smoke-test extraction on gold reports and record the endpoint for the extract step.',
  params: ServeParamsSchema,
  reads: [GOLD, MODEL_ARTIFACT],
  writes: [],
  // Records the served endpoint in config.llm, which extract and follow-up then use.
  changesConfig: ['llm'],
  applies: (run) => fineTunePathApplies(run, typeof run.state.steps.gold?.params?.profile === 'string' ? (run.state.steps.gold.params.profile as string) : 'gold'),

  async preflight(ctx) {
    const ft = FinetuneParamsSchema.parse(ctx.run.state.steps.finetune?.params ?? {});
    const exportDir = finetuneLayout(ctx.run.dir, ft).exportDir;
    const problems = mergedProblems(exportDir);
    if (problems.length) throw new UserError(`No merged model to serve at ${exportDir}: ${problems.join('; ')}.`, 'Run the finetune step first: cxrvqa run --steps finetune');
  },

  async preview(run) {
    const rec = readServerRecord(run.dir);
    if (!rec) return 'no server started';
    return `${rec.model} at ${rec.baseUrl}/v1, pid ${rec.pid ?? '?'} ${rec.pid && isAlive(rec.pid) ? 'running' : 'not running'}`;
  },

  async run(ctx): Promise<StepResult> {
    const { run, params, signal } = ctx;
    const ft = FinetuneParamsSchema.parse(run.state.steps.finetune?.params ?? {});
    const layout = finetuneLayout(run.dir, ft);
    const key = serverKey(run.dir, params, ctx.env.env);
    const chatTemplate = params.chatTemplate === 'training' ? layout.chatTemplate : null;
    const cmdBase = serveCommand(layout.exportDir, params, 1, chatTemplate);
    const endpoint: Endpoint = EndpointSchema.parse({ url: `${cmdBase.baseUrl}/v1`, kind: 'openai', keyEnv: key.keyEnv, keyFile: key.keyFile });
    const profile: LlmProfile = { ...resolveProfile(run.state.config), endpoints: [endpoint], model: params.servedModelName, prompt: ft.prompt };

    let started: 'reused' | 'spawned' | 'manual';
    let tp = 1;
    let gpus = 0;
    const current = await stopOutdatedServer(ctx, run, layout.exportDir, path.join(layout.root, 'merge.done.json'));
    if (await servesModel(profile, ctx, 5000)) {
      started = 'reused';
      ctx.emit({
        type: 'log',
        level: current ? 'info' : 'warn',
        message: `${endpoint.url} already serves ${params.servedModelName}; not starting another server${current ? '' : ' (not started by this run: which weights it serves cannot be told; the parity and smoke checks still run)'}`,
      });
    } else {
      const vllm = params.execution === 'auto' ? which('vllm', ctx.env.env) : null;
      const smi = which('nvidia-smi', ctx.env.env);
      if (smi) {
        const list = await queryGpus(smi, ctx.env.env, path.join(run.outputDir('serve'), 'nvidia-smi.log'), signal);
        gpus = list.length;
        ctx.emit({ type: 'log', level: 'info', message: `GPUs: ${list.map((g) => `${g.name}${g.memoryMiB ? ` (${g.memoryMiB} MiB)` : ''}`).join(', ') || 'none'}` });
      } else {
        ctx.emit({ type: 'log', level: 'warn', message: 'nvidia-smi is not on PATH; assuming 1 GPU' });
      }
      tp = tensorParallelSize(Math.max(1, gpus), params.tensorParallel);
      const cmd = serveCommand(layout.exportDir, params, tp, chatTemplate);
      const shown = `${key.keyEnv ? '' : `VLLM_API_KEY=$(cat ${key.keyFile}) `}${commandLine('vllm', cmd.args)}`;
      if (vllm) {
        await startServer(ctx, run, vllm, cmd.args, cmd.baseUrl, key.key, shown, layout.exportDir);
        started = 'spawned';
      } else {
        ctx.emit({ type: 'log', level: 'warn', message: params.execution === 'manual' ? 'serve: manual mode' : 'serve: vllm is not on PATH' });
        ctx.emit({ type: 'log', level: 'info', message: `serve: start the server by hand (same machine or an ssh tunnel to ${cmd.baseUrl}):\n    ${shown}` });
        ctx.emit({ type: 'log', level: 'info', message: `serve: waiting for ${endpoint.url}/models to list ${params.servedModelName}` });
        const t0 = Date.now();
        // One check at a time: each is a full /v1/models round trip through the LLM layer.
        while (!(await servesModel(profile, ctx, 3000))) {
          if (Date.now() - t0 >= params.readyTimeoutSeconds * 1000) throw new UserError(`Gave up waiting for ${endpoint.url} to serve ${params.servedModelName}.`, `Start it with: ${shown}`);
          // Rejects with an AbortError when the signal fires.
          await sleep(params.pollSeconds * 1000, undefined, { signal });
        }
        started = 'manual';
      }
    }

    let smoke: Awaited<ReturnType<typeof smokeTest>>;
    try {
      await preflightLlm(profile, { env: ctx.env.env, confirmations: ctx.env.confirmations, credentialed: run.state.config.corpus?.credentialed ?? false, signal });
      smoke = await smokeTest(ctx, run, ft, profile);
    } catch (err) {
      // A server this step started but could not vouch for is not left running for the extract step.
      const pid = started === 'spawned' ? readServerRecord(run.dir)?.pid : null;
      if (pid) {
        killGroup(pid, 5000);
        ctx.emit({ type: 'log', level: 'warn', message: `serve: stopped the server (pid ${pid}) after the failed check` });
      }
      throw err;
    }
    await run.update((s) => {
      const llm = parseLlmConfig(s.config.llm);
      s.config.llm = { ...(s.config.llm as Record<string, unknown>), endpoints: [endpoint], model: params.servedModelName, prompt: ft.prompt, profiles: llm.profiles };
    });
    ctx.emit({ type: 'log', level: 'info', message: `recorded ${endpoint.url} (model ${params.servedModelName}, prompt ${ft.prompt}) as the run's LLM endpoint for the extract step` });
    return {
      counts: { gpus, tensorParallel: tp, smokeOk: smoke.ok, smokeFailed: smoke.failed },
      summary: `${params.servedModelName} at ${endpoint.url} (${started}${gpus ? `, ${gpus} GPUs, tp ${tp}` : ''}); smoke test ${smoke.ok}/${smoke.ok + smoke.failed} ok; ${smoke.parity}`,
    };
  },
};

/**
 * A server this run started for an older merge (the model was retrained since)
 * is stopped, so the endpoint never keeps answering with the old weights.
 * Returns whether the recorded server is the one for the current merged model.
 */
async function stopOutdatedServer(ctx: Ctx, run: Run, modelDir: string, mergeMarker: string): Promise<boolean> {
  const rec = readServerRecord(run.dir);
  if (!rec?.pid || !isAlive(rec.pid)) return false;
  const mergedAt = readMarker(mergeMarker)?.finishedAt ?? null;
  if (rec.modelDir === modelDir && mergedAt !== null && rec.startedAt >= mergedAt) return true;
  ctx.emit({ type: 'log', level: 'info', message: `serve: stopping the server of an older model (pid ${rec.pid}, started ${rec.startedAt})` });
  killGroup(rec.pid, 5000);
  const t0 = Date.now();
  while (isAlive(rec.pid) && Date.now() - t0 < 15_000) await sleep(100);
  return false;
}

async function servesModel(profile: LlmProfile, ctx: Ctx, timeoutMs: number): Promise<boolean> {
  // A signal per check: the openai client leaves its abort listener on the signal it is given,
  // and this check repeats for as long as the user takes to start the server.
  const c = new AbortController();
  const forward = () => c.abort();
  ctx.signal.addEventListener('abort', forward, { once: true });
  try {
    await preflightLlm(profile, { env: ctx.env.env, confirmations: ctx.env.confirmations, credentialed: false, signal: c.signal, timeoutMs });
    return true;
  } catch {
    return false;
  } finally {
    ctx.signal.removeEventListener('abort', forward);
  }
}

async function startServer(ctx: Ctx, run: Run, vllm: string, args: string[], baseUrl: string, key: string, shown: string, modelDir: string): Promise<void> {
  const logFile = path.join(run.outputDir('serve'), 'vllm.log');
  ctx.emit({ type: 'log', level: 'info', message: `serve: $ ${shown}   (log: ${logFile})` });
  const t0 = Date.now();
  const proc = startDetached({ command: vllm, args, env: { ...ctx.env.env, VLLM_API_KEY: key }, logFile });
  let exitCode: number | null | undefined;
  void proc.exited.then((c) => (exitCode = c));
  const record: ServerRecord = { pid: proc.pid, baseUrl, model: ctx.params.servedModelName, modelDir, startedAt: new Date().toISOString(), command: shown };
  fs.writeFileSync(serverRecordFile(run.dir), JSON.stringify(record, null, 2) + '\n');
  let outcome: Awaited<ReturnType<typeof waitHealthy>>;
  try {
    outcome = await waitHealthy(baseUrl, { signal: ctx.signal, timeoutMs: ctx.params.readyTimeoutSeconds * 1000, exited: () => exitCode !== undefined || !isAlive(proc.pid) });
  } catch (err) {
    killGroup(proc.pid, 5000); // cancelled while starting: nothing half-up is left behind
    throw err;
  }
  if (outcome !== 'ready') {
    if (outcome === 'timeout') killGroup(proc.pid, 5000);
    const tail = tailFile(logFile, 15).map((l) => `  ${l}`).join('\n');
    throw new Error(`vllm serve ${outcome === 'exited' ? `exited (${exitCode ?? 'unknown'})` : `was not ready after ${ctx.params.readyTimeoutSeconds}s`} before serving. Last log lines:\n${tail}\nFull log: ${logFile}`);
  }
  ctx.emit({ type: 'log', level: 'info', message: `serve: healthy after ${formatSeconds((Date.now() - t0) / 1000)} (pid ${proc.pid})` });
}

async function smokeTest(ctx: Ctx, run: Run, ft: FinetuneParams, profile: LlmProfile): Promise<{ ok: number; failed: number; parity: string }> {
  const rows = (await listGold(run)).filter((r) => r.decision.usable);
  const ids = rows.slice(0, Math.max(1, ctx.params.smoke)).map((r) => r.study_id);
  const texts = new Map<string, string>();
  const want = new Set(ids);
  for await (const r of run.open(REPORTS).lines()) if (want.has(r.study_id)) texts.set(r.study_id, r.selected);
  const prompt = loadPrompt(ft.prompt);
  const layout = finetuneLayout(run.dir, ft);
  let parity: string;
  {
    const res = await checkServedParity(profile, ft.family, layout.datasetFile, prompt, ctx.signal);
    ctx.emit({ type: 'log', level: res.ok === false ? 'warn' : 'info', message: res.lines.join('\n') });
    if (res.ok === false && !ctx.params.allowPromptMismatch) {
      throw new UserError(
        `The served prompt differs from the trained one (see above); the bulk extraction would not see what the model was trained on.`,
        'Serve with the training template (--set serve.chatTemplate=training), or accept it with --set serve.allowPromptMismatch=true.',
      );
    }
    parity = res.ok === null ? 'prompt parity: /tokenize unavailable' : res.ok ? 'served prompt = trained prompt (/tokenize)' : 'served prompt DIFFERS from trained prompt';
  }
  if (ctx.params.smoke === 0) return { ok: 0, failed: 0, parity };
  let ok = 0;
  let failed = 0;
  await extractReports(ctx, profile, ft.prompt, {
    label: 'Smoke test',
    items: ids.slice(0, ctx.params.smoke).map((id) => ({ id, text: texts.get(id) ?? '' })),
    concurrency: 1,
    onRow(rec) {
      const good = USABLE_STATUSES.has(rec.status);
      if (good) ok++;
      else failed++;
      ctx.emit({ type: 'item', key: rec.study_id, outcome: good ? 'ok' : 'failed', reason: good ? undefined : `${rec.status}: ${rec.reason ?? ''}` });
      ctx.emit({ type: 'log', level: good ? 'info' : 'warn', message: `smoke ${rec.study_id}: ${rec.status}${good ? ` ${JSON.stringify(rec.keyinfo).slice(0, 160)}` : ` ${rec.reason ?? ''}`}` });
    },
  });
  if (ok === 0 && failed > 0) throw new Error(`Smoke test failed: none of ${failed} gold reports gave parseable KeyInfo from ${profile.model} (see the log above).`);
  return { ok, failed, parity };
}
