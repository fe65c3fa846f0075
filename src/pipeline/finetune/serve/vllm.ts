import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServeParams } from '../params.js';

/**
 * `vllm serve` for the merged model: the command line, the API key (passed in
 * the environment as VLLM_API_KEY, so it never shows in `ps`, logs or state),
 * and the two non-OpenAI endpoints we need, /health and /tokenize (plain fetch;
 * /v1 goes through the LLM layer's openai client).
 */

export interface ServeCommand {
  args: string[];
  baseUrl: string;
}

/**
 * The names the server answers to: the configured one, and one of this merge
 * (`<name>-<merge fingerprint>`), which the run records as its model. The LLM
 * cache is keyed by model name, so a retrained model never gets the old
 * model's cached answers, and a server of another merge does not list it.
 */
export function servedNames(
  p: Pick<ServeParams, 'servedModelName'>,
  mergeFingerprint: string | null,
): { model: string; all: string[] } {
  if (!mergeFingerprint) return { model: p.servedModelName, all: [p.servedModelName] };
  const model = `${p.servedModelName}-${mergeFingerprint.slice(0, 12)}`;
  return { model, all: [p.servedModelName, model] };
}

export function serveCommand(
  modelDir: string,
  p: ServeParams,
  tensorParallel: number,
  chatTemplateFile: string | null,
  names: readonly string[] = [p.servedModelName],
): ServeCommand {
  const args = [
    'serve',
    modelDir,
    '--served-model-name',
    ...names,
    '--tensor-parallel-size',
    String(tensorParallel),
    '--max-model-len',
    String(p.maxModelLen),
    '--host',
    p.host,
    '--port',
    String(p.port),
    '--gpu-memory-utilization',
    String(p.gpuMemoryUtilization),
    // Keep generation_config.json from overriding our sampling defaults.
    '--generation-config',
    'vllm',
    ...(chatTemplateFile ? ['--chat-template', chatTemplateFile] : []),
    ...p.extraArgs,
  ];
  return { args, baseUrl: `http://${p.host.includes(':') ? `[${p.host}]` : p.host}:${p.port}` };
}

/**
 * The server's key: from the environment variable when set, else a key file
 * generated once in the run (mode 0600) that the LLM layer reads by path.
 */
export function serverKey(
  runDir: string,
  p: ServeParams,
  env: NodeJS.ProcessEnv,
): { key: string; keyEnv: string | null; keyFile: string | null } {
  const fromEnv = env[p.apiKeyEnv];
  if (fromEnv) return { key: fromEnv, keyEnv: p.apiKeyEnv, keyFile: null };
  const file = path.join(runDir, 'serve', 'api-key');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `sk-cxrvqa-${crypto.randomBytes(18).toString('hex')}\n`, { mode: 0o600 });
  }
  return { key: fs.readFileSync(file, 'utf8').trim(), keyEnv: null, keyFile: file };
}

export async function health(baseUrl: string, signal: AbortSignal): Promise<boolean> {
  try {
    const res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.any([signal, AbortSignal.timeout(5000)]) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

export interface ReadyOptions {
  signal: AbortSignal;
  timeoutMs: number;
  pollMs?: number;
  /** Our server process has ended. */
  exited: () => boolean;
  /** The endpoint lists the expected model with our key. */
  serving: () => Promise<boolean>;
}

/**
 * Ready means healthy *and* ours: any HTTP server on the port answers
 * /health, so it counts only while our process is alive and the endpoint
 * serves the expected model with our key.
 */
export async function waitReady(baseUrl: string, opts: ReadyOptions): Promise<'ready' | 'timeout' | 'exited'> {
  const start = Date.now();
  for (;;) {
    if (opts.exited()) return 'exited';
    if ((await health(baseUrl, opts.signal)) && !opts.exited() && (await opts.serving()) && !opts.exited())
      return 'ready';
    if (Date.now() - start >= opts.timeoutMs) return 'timeout';
    // Rejects with an AbortError when the signal fires.
    await sleep(opts.pollMs ?? 500, undefined, { signal: opts.signal });
  }
}

export type TokenizeBody =
  | { model: string; messages: Array<{ role: string; content: string }>; add_generation_prompt?: boolean }
  | { model: string; prompt: string; add_special_tokens?: boolean };

/** POST /tokenize; null when the server has no such endpoint. */
export async function tokenize(baseUrl: string, body: TokenizeBody, signal: AbortSignal): Promise<number[] | null> {
  const res = await fetch(`${baseUrl}/tokenize`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.any([signal, AbortSignal.timeout(30_000)]),
  });
  if (res.status === 404) {
    await res.body?.cancel();
    return null;
  }
  if (!res.ok) throw new Error(`/tokenize answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  const json = (await res.json()) as { tokens?: unknown };
  if (!Array.isArray(json.tokens)) throw new Error('/tokenize answered without a tokens list');
  return json.tokens as number[];
}

/**
 * A fresh log for each server start, so an error shows only this attempt's
 * lines; the previous log is kept as `vllm.N.log` (N counts up, oldest first).
 */
export function newServerLog(dir: string): string {
  const file = path.join(dir, 'vllm.log');
  if (fs.existsSync(file)) {
    let n = 1;
    while (fs.existsSync(path.join(dir, `vllm.${n}.log`))) n++;
    fs.renameSync(file, path.join(dir, `vllm.${n}.log`));
  }
  return file;
}

export interface ServerRecord {
  pid: number | null;
  baseUrl: string;
  model: string;
  modelDir: string;
  startedAt: string;
  command: string;
}

export function serverRecordFile(runDir: string): string {
  return path.join(runDir, 'serve', 'server.json');
}

export function readServerRecord(runDir: string): ServerRecord | null {
  try {
    return JSON.parse(fs.readFileSync(serverRecordFile(runDir), 'utf8')) as ServerRecord;
  } catch {
    return null;
  }
}
