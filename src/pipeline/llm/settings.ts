import {
  EndpointSchema,
  LlmConfigSchema,
  LlmProfileSchema,
  parseLlmConfig,
  type Endpoint,
  type LlmConfig,
} from './config.js';
import { redactUrl } from './credentials.js';
import { loadPrompt } from './prompts.js';
import { checkEndpointSettings } from './providers/index.js';
import { UserError } from '../util/errors.js';

/** What a user can change from the command line (`cxrvqa llm set`, `cxrvqa run --endpoint ...`). */
export interface LlmSettings {
  /** Replaces the endpoint list: `URL[,key-env=VAR][,key-file=PATH][,max=N]`. */
  endpoint?: string[];
  /** Azure resource endpoint (replaces the list), with deployment and api-version. */
  azure?: string;
  deployment?: string;
  apiVersion?: string;
  keyEnv?: string;
  keyFile?: string;
  model?: string;
  prompt?: string;
  temperature?: string;
  maxTokens?: string;
  concurrency?: string;
  endpointConcurrency?: string;
  structured?: string;
  stream?: boolean;
  /** `MODEL=IN,OUT` USD per million tokens (repeatable). */
  price?: string[];
  /** Seconds: caps on the wait for a first token and for a whole answer. */
  firstTokenTimeout?: string;
  timeout?: string;
  /** commander's `--no-…` flags: false when given. */
  adaptiveTimeouts?: boolean;
  hedge?: boolean;
  /** Write into a named profile instead of the top level. */
  profile?: string;
  /** `live` or `batch` (the Batch API of the first endpoint). */
  engine?: string;
  /** Seconds between Batch API polls. */
  batchPoll?: string;
  /** Requests per Batch API input file. */
  batchMaxRequests?: string;
}

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UserError(`--${name} expects a number, got "${v}"`);
  return n;
}

export function parseEndpointSpec(spec: string, defaults: Partial<Endpoint>): Endpoint {
  const [url, ...opts] = spec.split(',');
  const ep: Record<string, unknown> = { ...defaults, url: url?.trim() };
  for (const o of opts) {
    const eq = o.indexOf('=');
    const k = o.slice(0, eq).trim();
    const v = o.slice(eq + 1).trim();
    if (eq <= 0)
      throw new UserError(
        `--endpoint option "${o}" should be key=value (key-env, key-file, max, deployment, api-version, kind)`,
      );
    if (k === 'key-env') ep.keyEnv = v;
    else if (k === 'key-file') ep.keyFile = v;
    else if (k === 'max') ep.maxConcurrency = Number(v);
    else if (k === 'deployment') ep.deployment = v;
    else if (k === 'api-version') ep.apiVersion = v;
    // Any registered provider is reachable without a flag of its own.
    else if (k === 'kind') ep.kind = v;
    else
      throw new UserError(`--endpoint: unknown option "${k}" (key-env, key-file, max, deployment, api-version, kind)`);
  }
  const parsed = EndpointSchema.safeParse(ep);
  // The spec is echoed with its URL redacted and without options: either may be a pasted key.
  if (!parsed.success)
    throw new UserError(
      `--endpoint ${redactUrl(url?.trim() ?? '')}: ${parsed.error.issues[0]?.path.join('.') || 'url'}: ${parsed.error.issues[0]?.message}`,
      'Example: --endpoint http://127.0.0.1:8000/v1',
    );
  checkEndpointSettings(parsed.data);
  return parsed.data;
}

/** Apply settings to the stored config (pure); validates the result. */
export function applyLlmSettings(current: unknown, s: LlmSettings): LlmConfig {
  // New top-level endpoints replace the stored ones unread, so a stored bad one (a URL with a key) can be fixed this way.
  const replacesEndpoints = !s.profile && Boolean(s.endpoint?.length || s.azure);
  const config = parseLlmConfig(replacesEndpoints ? { ...(current as object | undefined), endpoints: [] } : current);
  const target: Record<string, unknown> = s.profile ? { ...(config.profiles[s.profile] ?? {}) } : config;
  const keyDefaults: Partial<Endpoint> = {
    ...(s.keyEnv ? { keyEnv: s.keyEnv } : {}),
    ...(s.keyFile ? { keyFile: s.keyFile } : {}),
    ...(s.endpointConcurrency ? { maxConcurrency: num('endpoint-concurrency', s.endpointConcurrency) } : {}),
  };
  if (s.endpoint?.length && s.azure) throw new UserError('Give either --endpoint or --azure, not both.');
  if (s.endpoint?.length)
    target.endpoints = s.endpoint.map((e) => parseEndpointSpec(e, { kind: 'openai', ...keyDefaults }));
  else if (s.azure) {
    target.endpoints = [
      parseEndpointSpec(s.azure, {
        kind: 'azure',
        deployment: s.deployment ?? null,
        apiVersion: s.apiVersion ?? null,
        ...keyDefaults,
      }),
    ];
  } else if (Object.keys(keyDefaults).length) {
    // Key or limit given alone: apply to the endpoints already configured.
    const eps = (target.endpoints as Endpoint[] | undefined) ?? config.endpoints;
    if (!eps.length) throw new UserError('No endpoint to apply --key-env/--key-file to.', 'Add --endpoint URL.');
    target.endpoints = eps.map((e) => ({ ...e, ...keyDefaults }));
  }
  if (s.model) target.model = s.model;
  if (s.prompt) target.prompt = s.prompt;
  if (s.structured) target.structured = s.structured;
  if (s.stream !== undefined) target.stream = s.stream;
  const conc = num('concurrency', s.concurrency);
  if (conc !== undefined) target.concurrency = conc;
  const firstToken = num('first-token-timeout', s.firstTokenTimeout);
  if (firstToken !== undefined) target.idleTimeoutMs = Math.round(firstToken * 1000);
  const total = num('timeout', s.timeout);
  if (total !== undefined) target.timeoutMs = Math.round(total * 1000);
  if (s.adaptiveTimeouts === false) target.adaptiveTimeouts = false;
  if (s.hedge === false) target.hedge = false;
  if (s.engine) target.engine = s.engine;
  const poll = num('batch-poll', s.batchPoll);
  const perFile = num('batch-max-requests', s.batchMaxRequests);
  if (poll !== undefined || perFile !== undefined) {
    const b = { ...((target.batch as object | undefined) ?? (s.profile ? {} : config.batch)) } as Record<
      string,
      unknown
    >;
    if (poll !== undefined) b.pollMs = Math.round(poll * 1000);
    if (perFile !== undefined) b.maxRequests = perFile;
    target.batch = b;
  }
  const temp = num('temperature', s.temperature);
  const maxTok = num('max-tokens', s.maxTokens);
  if (temp !== undefined || maxTok !== undefined) {
    const d = { ...((target.decoding as object | undefined) ?? (s.profile ? {} : config.decoding)) } as Record<
      string,
      unknown
    >;
    if (temp !== undefined) d.temperature = temp;
    if (maxTok !== undefined) d.max_tokens = maxTok;
    target.decoding = d;
  }
  if (s.price?.length) {
    const prices = { ...((target.prices as Record<string, unknown> | undefined) ?? (s.profile ? {} : config.prices)) };
    for (const p of s.price) {
      const m = /^(.+)=([\d.]+),([\d.]+)$/.exec(p);
      if (!m) throw new UserError(`--price expects MODEL=INPUT,OUTPUT (USD per million tokens), got "${p}"`);
      prices[m[1]!] = { input: Number(m[2]), output: Number(m[3]) };
    }
    target.prices = prices;
  }
  const next = s.profile ? { ...config, profiles: { ...config.profiles, [s.profile]: target } } : target;
  const parsed = LlmConfigSchema.safeParse(next);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`Invalid LLM setting ${issue?.path.join('.')}: ${issue?.message}`);
  }
  if (s.profile) {
    const prof = LlmProfileSchema.safeParse({ ...parsed.data, ...target });
    if (!prof.success)
      throw new UserError(
        `Invalid LLM profile ${s.profile}: ${prof.error.issues[0]?.path.join('.')}: ${prof.error.issues[0]?.message}`,
      );
  }
  return recordPromptSha(parsed.data, s.profile);
}

/** Record the prompt text's hash with its id, so the recorded config changes when the prompt file does. */
function recordPromptSha(config: LlmConfig, profile: string | undefined): LlmConfig {
  const target: Record<string, unknown> = profile ? (config.profiles[profile] ?? {}) : config;
  const promptId = typeof target.prompt === 'string' ? target.prompt : config.prompt;
  try {
    target.promptSha = loadPrompt(promptId).sha;
  } catch {
    /* a missing prompt file is reported by the caller (llm set) or the step's preflight */
  }
  return config;
}

export function hasLlmSettings(s: LlmSettings): boolean {
  return Boolean(
    s.endpoint?.length ||
    s.azure ||
    s.keyEnv ||
    s.keyFile ||
    s.model ||
    s.prompt ||
    s.temperature ||
    s.maxTokens ||
    s.concurrency ||
    s.endpointConcurrency ||
    s.structured ||
    s.stream === false ||
    s.price?.length ||
    s.firstTokenTimeout ||
    s.timeout ||
    s.adaptiveTimeouts === false ||
    s.hedge === false ||
    s.engine ||
    s.batchPoll ||
    s.batchMaxRequests,
  );
}
