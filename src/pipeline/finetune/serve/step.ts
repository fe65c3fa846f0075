import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import {
  EndpointSchema,
  parseLlmConfig,
  preflightLlm,
  resolveProfile,
  type Endpoint,
  type LlmProfile,
} from '../../llm/index.js';
import type { Step, StepContext, StepResult } from '../../steps/contract.js';
import type { Run } from '../../store/run.js';
import { UserError } from '../../util/errors.js';
import { finetuneLayout } from '../export/write.js';
import { MODEL_ARTIFACT } from '../step.js';
import { fineTunePathApplies } from '../gold/step.js';
import { GOLD } from '../gold/artifacts.js';
import { FinetuneParamsSchema, ServeParamsSchema, type ServeParams } from '../params.js';
import { commandLine, isAlive, killGroup, startDetached, tailFile } from '../proc/child.js';
import { queryGpus, tensorParallelSize, which } from '../proc/tools.js';
import { formatSeconds } from '../train/stage.js';
import { mergedProblems, readMarker } from '../train/outputs.js';
import { portInUse, portInUseHint, portInUseMessage } from './port.js';
import { smokeSummary, smokeTest, type SmokeResult } from './smoke.js';
import { trainingPromptId } from '../prompt.js';
import {
  newServerLog,
  readServerRecord,
  serveCommand,
  servedNames,
  serverKey,
  serverRecordFile,
  waitReady,
  type ServerRecord,
} from './vllm.js';

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
  description:
    'Start vllm serve on the merged model, check prompt parity with /tokenize, smoke-test extraction on gold reports and record the endpoint for the extract step.',
  params: ServeParamsSchema,
  reads: [GOLD, MODEL_ARTIFACT],
  writes: [],
  // Records the served endpoint in config.llm, which extract and follow-up then use.
  changesConfig: ['llm'],
  applies: (run) =>
    fineTunePathApplies(
      run,
      typeof run.state.steps.gold?.params?.profile === 'string'
        ? (run.state.steps.gold.params.profile as string)
        : 'gold',
    ),

  async preflight(ctx) {
    const ft = FinetuneParamsSchema.parse(ctx.run.state.steps.finetune?.params ?? {});
    const exportDir = finetuneLayout(ctx.run.dir, ft).exportDir;
    const problems = mergedProblems(exportDir);
    if (problems.length)
      throw new UserError(
        `No merged model to serve at ${exportDir}: ${problems.join('; ')}.`,
        'Run the finetune step first: cxrvqa run --steps finetune',
      );
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
    const names = servedNames(params, readMarker(path.join(layout.root, 'merge.done.json'))?.fingerprint ?? null);
    const model = names.model;
    const cmdBase = serveCommand(layout.exportDir, params, 1, chatTemplate, names.all);
    const endpoint: Endpoint = EndpointSchema.parse({
      url: `${cmdBase.baseUrl}/v1`,
      kind: 'openai',
      keyEnv: key.keyEnv,
      keyFile: key.keyFile,
    });
    const profile: LlmProfile = {
      ...resolveProfile(run.state.config),
      endpoints: [endpoint],
      model,
      prompt: trainingPromptId(run, ft),
    };

    let started: 'reused' | 'spawned' | 'manual';
    let tp = 1;
    let gpus = 0;
    const current = await stopOutdatedServer(
      ctx,
      run,
      layout.exportDir,
      model,
      path.join(layout.root, 'merge.done.json'),
    );
    if (await servesModel(profile, ctx, 5000)) {
      started = 'reused';
      ctx.emit({
        type: 'log',
        level: current ? 'info' : 'warn',
        message: `${endpoint.url} already serves ${model}; not starting another server${current ? '' : ' (not started by this run: which weights it serves cannot be told; the parity and smoke checks still run)'}`,
      });
    } else {
      const vllm = params.execution === 'auto' ? which('vllm', ctx.env.env) : null;
      const smi = which('nvidia-smi', ctx.env.env);
      if (smi) {
        const list = await queryGpus(smi, ctx.env.env, path.join(run.outputDir('serve'), 'nvidia-smi.log'), signal);
        gpus = list.length;
        ctx.emit({
          type: 'log',
          level: 'info',
          message: `GPUs: ${list.map((g) => `${g.name}${g.memoryMiB ? ` (${g.memoryMiB} MiB)` : ''}`).join(', ') || 'none'}`,
        });
      } else {
        ctx.emit({ type: 'log', level: 'warn', message: 'nvidia-smi is not on PATH; assuming 1 GPU' });
      }
      tp = tensorParallelSize(Math.max(1, gpus), params.tensorParallel);
      const cmd = serveCommand(layout.exportDir, params, tp, chatTemplate, names.all);
      const shown = `${key.keyEnv ? '' : `VLLM_API_KEY=$(cat ${key.keyFile}) `}${commandLine('vllm', cmd.args)}`;
      if (vllm) {
        await startServer(
          ctx,
          run,
          { vllm, args: cmd.args, baseUrl: cmd.baseUrl, key: key.key, shown, modelDir: layout.exportDir },
          profile,
        );
        started = 'spawned';
      } else {
        ctx.emit({
          type: 'log',
          level: 'warn',
          message: params.execution === 'manual' ? 'serve: manual mode' : 'serve: vllm is not on PATH',
        });
        ctx.emit({
          type: 'log',
          level: 'info',
          message: `serve: start the server by hand (same machine or an ssh tunnel to ${cmd.baseUrl}):\n    ${shown}`,
        });
        ctx.emit({ type: 'log', level: 'info', message: `serve: waiting for ${endpoint.url}/models to list ${model}` });
        const t0 = Date.now();
        // One check at a time: each is a full /v1/models round trip through the LLM layer.
        while (!(await servesModel(profile, ctx, 3000))) {
          if (Date.now() - t0 >= params.readyTimeoutSeconds * 1000)
            throw new UserError(`Gave up waiting for ${endpoint.url} to serve ${model}.`, `Start it with: ${shown}`);
          // Rejects with an AbortError when the signal fires.
          await sleep(params.pollSeconds * 1000, undefined, { signal });
        }
        started = 'manual';
      }
    }

    let smoke: SmokeResult;
    try {
      await preflightLlm(profile, {
        env: ctx.env.env,
        confirmations: ctx.env.confirmations,
        credentialed: run.state.config.corpus?.credentialed ?? false,
        signal,
      });
      smoke = await smokeTest(ctx, run, ft, profile);
    } catch (err) {
      // A server this step started but could not vouch for is not left running for the extract step.
      const pid = started === 'spawned' ? readServerRecord(run.dir)?.pid : null;
      if (pid) {
        killGroup(pid, 5000);
        ctx.emit({
          type: 'log',
          level: 'warn',
          message: `serve: stopped the server (pid ${pid}) after the failed check`,
        });
      }
      throw err;
    }
    await run.update((s) => {
      const llm = parseLlmConfig(s.config.llm);
      s.config.llm = {
        ...(s.config.llm as Record<string, unknown>),
        endpoints: [endpoint],
        model,
        prompt: profile.prompt,
        profiles: llm.profiles,
      };
    });
    ctx.emit({
      type: 'log',
      level: 'info',
      message: `recorded ${endpoint.url} (model ${model}, prompt ${profile.prompt}) as the run's LLM endpoint for the extract step`,
    });
    return {
      counts: { gpus, tensorParallel: tp, smokeOk: smoke.ok, smokeInvalid: smoke.invalid, smokeFailed: smoke.failed },
      summary: `${model} at ${endpoint.url} (${started}${gpus ? `, ${gpus} GPUs, tp ${tp}` : ''}); ${smokeSummary(smoke)}; ${smoke.parity}`,
    };
  },
};

/**
 * A server this run started for an older merge (the model was retrained since)
 * is stopped, so the endpoint never keeps answering with the old weights.
 * Returns whether the recorded server is the one for the current merged model.
 */
async function stopOutdatedServer(
  ctx: Ctx,
  run: Run,
  modelDir: string,
  model: string,
  mergeMarker: string,
): Promise<boolean> {
  const rec = readServerRecord(run.dir);
  if (!rec?.pid || !isAlive(rec.pid)) return false;
  const mergedAt = readMarker(mergeMarker)?.finishedAt ?? null;
  // The name check also catches a server started before models were named by their merge.
  if (rec.modelDir === modelDir && rec.model === model && mergedAt !== null && rec.startedAt >= mergedAt) return true;
  ctx.emit({
    type: 'log',
    level: 'info',
    message: `serve: stopping the server of an older model (pid ${rec.pid}, started ${rec.startedAt})`,
  });
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
    await preflightLlm(profile, {
      env: ctx.env.env,
      confirmations: ctx.env.confirmations,
      credentialed: false,
      signal: c.signal,
      timeoutMs,
    });
    return true;
  } catch {
    return false;
  } finally {
    ctx.signal.removeEventListener('abort', forward);
  }
}

interface ServerLaunch {
  vllm: string;
  args: string[];
  baseUrl: string;
  key: string;
  /** The command as shown to the user (key by reference). */
  shown: string;
  modelDir: string;
}

async function startServer(ctx: Ctx, run: Run, launch: ServerLaunch, profile: LlmProfile): Promise<void> {
  const { host, port } = ctx.params;
  const recorded = readServerRecord(run.dir)?.pid ?? null;
  const ours = recorded !== null && isAlive(recorded) ? recorded : null;
  if (await portInUse(host, port)) throw new UserError(portInUseMessage(host, port, ours), portInUseHint(ours));
  const logFile = newServerLog(run.outputDir('serve'));
  ctx.emit({ type: 'log', level: 'info', message: `serve: $ ${launch.shown}   (log: ${logFile})` });
  const t0 = Date.now();
  const proc = startDetached({
    command: launch.vllm,
    args: launch.args,
    env: { ...ctx.env.env, VLLM_API_KEY: launch.key },
    logFile,
  });
  let exitCode: number | null | undefined;
  void proc.exited.then((c) => (exitCode = c));
  const record: ServerRecord = {
    pid: proc.pid,
    baseUrl: launch.baseUrl,
    model: profile.model ?? ctx.params.servedModelName,
    modelDir: launch.modelDir,
    startedAt: new Date().toISOString(),
    command: launch.shown,
  };
  fs.writeFileSync(serverRecordFile(run.dir), JSON.stringify(record, null, 2) + '\n');
  const exited = () => exitCode !== undefined || !isAlive(proc.pid);
  let outcome: Awaited<ReturnType<typeof waitReady>>;
  try {
    outcome = await waitReady(launch.baseUrl, {
      signal: ctx.signal,
      timeoutMs: ctx.params.readyTimeoutSeconds * 1000,
      exited,
      serving: () => servesModel(profile, ctx, 3000),
    });
  } catch (err) {
    killGroup(proc.pid, 5000); // cancelled while starting: nothing half-up is left behind
    throw err;
  }
  if (outcome !== 'ready') {
    if (outcome === 'timeout') killGroup(proc.pid, 5000);
    const tail = tailFile(logFile, 15)
      .map((l) => `  ${l}`)
      .join('\n');
    // Our process is gone (or never got the port): if something else holds the port, that is the cause to show.
    const taken =
      outcome === 'exited' && (await portInUse(host, port))
        ? `\n${portInUseMessage(host, port, null)} ${portInUseHint(null)}.`
        : '';
    throw new Error(
      `vllm serve ${outcome === 'exited' ? `exited (${exitCode ?? 'unknown'})` : `was not ready after ${ctx.params.readyTimeoutSeconds}s`} before serving. Last log lines:\n${tail}\nFull log: ${logFile}${taken}`,
    );
  }
  ctx.emit({
    type: 'log',
    level: 'info',
    message: `serve: healthy and serving ${profile.model} after ${formatSeconds((Date.now() - t0) / 1000)} (pid ${proc.pid})`,
  });
}
