import { LlmStats } from './accounting.js';
import { CachedClient, ResponseCache, type CachedClientOptions } from './cache.js';
import type { LlmProfile } from './config.js';
import { endpointLabel } from './config.js';
import { probeError } from './probe.js';
import { checkEndpointSettings, providerFor } from './providers/index.js';
import { checkDataUse } from './guard.js';
import { Scheduler } from './scheduler.js';
import type { DecodingParams, LlmClient, LlmEvent } from './types.js';
import { UserError } from '../util/errors.js';

export * from './types.js';
export {
  LlmConfigSchema,
  LlmProfileSchema,
  EndpointSchema,
  parseLlmConfig,
  resolveProfile,
  endpointLabel,
} from './config.js';
export type { LlmConfig, LlmProfile, Endpoint } from './config.js';
export { runPool } from './pool.js';
export { requestKey } from './key.js';
export { LlmStats, estimateRun, costOf } from './accounting.js';
export { jsonSchemaFromZod, KEYINFO_RESPONSE_SCHEMA } from './structured.js';
export { extractJsonObject } from './json.js';
export { loadPrompt, extractionMessages, BUILTIN_PROMPTS, promptForStyle } from './prompts.js';
export { redactSecrets } from './keys.js';
export { checkDataUse, classifyEndpoint, CONFIRM_AZURE, CONFIRM_PUBLIC, CONFIRM_PUBLIC_OPENAI } from './guard.js';

export interface CreateLlmOptions extends CachedClientOptions {
  env: NodeJS.ProcessEnv;
  /** Response cache folder (e.g. `<run>/llm-cache`); omitted → no cache. */
  cacheDir?: string;
  /** Endpoint labels known to refuse json_schema output (remembered by the run). */
  structuredRefused?: ReadonlySet<string>;
  onEvent?: (e: LlmEvent) => void;
  /** Answers come from here instead of the scheduler (the batch engine's imported answers). */
  inner?: LlmClient;
}

export interface Llm {
  /** The full stack: cache → scheduler (retries, endpoints) → endpoint clients. */
  client: LlmClient;
  stats: LlmStats;
  model: string;
  /** The profile's decoding params, ready for `ChatRequest.params`. */
  decoding: DecodingParams;
  cache: ResponseCache | null;
  scheduler: Scheduler;
  close(): Promise<void>;
}

export function decodingParams(profile: LlmProfile): DecodingParams {
  const d = profile.decoding;
  return {
    temperature: d.temperature,
    max_tokens: d.max_tokens,
    ...(d.top_p !== null ? { top_p: d.top_p } : {}),
    ...(d.seed !== null ? { seed: d.seed } : {}),
  };
}

export function createLlm(profile: LlmProfile, opts: CreateLlmOptions): Llm {
  if (!profile.model)
    throw new UserError(
      'No model is configured for the LLM backend.',
      'Set one: cxrvqa llm set --model NAME (the name the server serves).',
    );
  const stats = new LlmStats(profile.prices);
  const clients = profile.endpoints.map((ep) => {
    checkEndpointSettings(ep);
    return providerFor(ep.kind).create(ep, profile, { env: opts.env, onEvent: opts.onEvent });
  });
  for (const c of clients) if (opts.structuredRefused?.has(c.label)) c.markStructuredRefused();
  const scheduler = new Scheduler(clients, profile, { stats, onEvent: opts.onEvent });
  const cache = opts.cacheDir ? new ResponseCache(opts.cacheDir) : null;
  const source = opts.inner ?? scheduler;
  const client: LlmClient = cache
    ? new CachedClient(source, cache, { accept: opts.accept, onHit: (r) => (stats.cacheHit(), opts.onHit?.(r)) })
    : source;
  return {
    client,
    stats,
    model: profile.model,
    decoding: decodingParams(profile),
    cache,
    scheduler,
    async close() {
      cache?.close();
      await Promise.all(clients.map((c) => c.close()));
    },
  };
}

export interface PreflightOptions {
  env: NodeJS.ProcessEnv;
  confirmations: ReadonlySet<string>;
  credentialed: boolean;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface EndpointCheck {
  endpoint: string;
  models: string[];
}

/**
 * Everything that would otherwise fail on every request, checked once before
 * any work: model and endpoints configured, data-use guard, key present,
 * endpoint up, key accepted, model served. Throws one UserError.
 */
export async function preflightLlm(profile: LlmProfile, opts: PreflightOptions): Promise<EndpointCheck[]> {
  if (!profile.model)
    throw new UserError(
      'No model is configured for the LLM backend.',
      'Set one: cxrvqa llm set --model NAME (or pass --model to cxrvqa run).',
    );
  if (profile.endpoints.length === 0)
    throw new UserError(
      'No LLM endpoint is configured.',
      'Add one: cxrvqa llm set --endpoint http://127.0.0.1:8000/v1 (or pass --endpoint to cxrvqa run).',
    );
  checkDataUse(profile.endpoints, opts.credentialed, opts.confirmations);
  const timeout = opts.timeoutMs ?? 15_000;
  const results: EndpointCheck[] = [];
  for (const ep of profile.endpoints) {
    const label = endpointLabel(ep);
    const client = providerFor(ep.kind).create(
      ep,
      { ...profile, timeoutMs: timeout, idleTimeoutMs: timeout, stream: false },
      { env: opts.env },
    );
    try {
      const served = await client.listModels(timeout, opts.signal);
      const wanted = client.modelFor(profile.model);
      if (served !== null) {
        if (!served.includes(wanted)) {
          throw new UserError(
            `The model "${wanted}" is not served by ${label}.`,
            `Served there: ${served.join(', ') || '(none)'}. Set the right name with cxrvqa llm set --model NAME.`,
          );
        }
        results.push({ endpoint: label, models: served });
        continue;
      }
      // No usable /models (Azure deployments, some servers): a one-token request shows key and model.
      const probe = await client.attempt(
        {
          model: profile.model,
          messages: [{ role: 'user', content: 'ping' }],
          params: { max_tokens: 1, temperature: 0 },
        },
        opts.signal,
      );
      if (probe.kind === 'error') throw probeError(label, wanted, ep.keyEnv, probe.errorKind, probe.message);
      results.push({ endpoint: label, models: [wanted] });
    } finally {
      await client.close();
    }
  }
  return results;
}
