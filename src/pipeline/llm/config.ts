import { z } from 'zod';
import { PROVIDER_KINDS } from './providers/kinds.js';
import type { RunConfig } from '../schemas/state.js';
import { UserError } from '../util/errors.js';
import { endpointUrlProblem, keyEnvProblem, keyFileProblem } from './credentials.js';
import { currentPromptSha } from './prompts.js';

/**
 * `run.state.config.llm`: everything about the model call that shapes results
 * or is needed to reproduce them, and nothing secret. Keys are referenced by
 * the name of an environment variable or the path of a key file, never stored.
 */

/** A key reference that must not be the key itself; the message never repeats the value. */
function refusingSecrets(problemOf: (value: string) => string | null) {
  return z
    .string()
    .superRefine((value, ctx) => {
      const problem = problemOf(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem, params: { secret: true } });
    })
    .nullable()
    .default(null);
}

export const EndpointSchema = z.object({
  /** OpenAI-compatible base URL (…/v1), or for Azure the resource endpoint (https://NAME.openai.azure.com). */
  url: z
    .string()
    .url()
    .superRefine((url, ctx) => {
      const problem = URL.canParse(url) ? endpointUrlProblem(url) : null;
      if (problem) ctx.addIssue({ code: 'custom', message: problem, params: { secret: true } });
    }),
  /** Which provider module speaks to it (llm/providers/). */
  kind: z.enum(PROVIDER_KINDS).default('openai'),
  /** Azure: deployment name (defaults to the model name). */
  deployment: z.string().nullable().default(null),
  /** Azure: dated api-version (e.g. 2024-10-21); null uses the v1 API (`/openai/v1`). */
  apiVersion: z.string().nullable().default(null),
  /** Name of the environment variable that holds the key. */
  keyEnv: refusingSecrets(keyEnvProblem),
  /** Path of a file whose first line is the key. */
  keyFile: refusingSecrets(keyFileProblem),
  /** Requests in flight at once on this endpoint. */
  maxConcurrency: z.number().int().positive().default(32),
});
export type Endpoint = z.infer<typeof EndpointSchema>;

export const PriceSchema = z.object({
  /** USD per million input tokens. */
  input: z.number().nonnegative(),
  /** USD per million output tokens. */
  output: z.number().nonnegative(),
});

/** A complete model setup. The extract step uses the top-level one; others may add named profiles. */
export const LlmProfileSchema = z.object({
  endpoints: z.array(EndpointSchema).default([]),
  model: z.string().nullable().default(null),
  /** Prompt id in prompts/ (`simple`, `full`) or a path to a prompt file. */
  prompt: z.string().default('simple'),
  /** Hash of the prompt text when it was set, so an edited prompt file is noticed. */
  promptSha: z.string().nullable().default(null),
  decoding: z
    .object({
      temperature: z.number().min(0).max(2).default(0),
      max_tokens: z.number().int().positive().default(2048),
      top_p: z.number().positive().max(1).nullable().default(null),
      seed: z.number().int().nullable().default(null),
    })
    .prefault({}),
  /** `auto`: ask for json_schema output, and turn it off for an endpoint that rejects it. */
  structured: z.enum(['auto', 'json_schema', 'off']).default('auto'),
  /** Requests in flight across all endpoints. */
  concurrency: z.number().int().positive().default(32),
  /** Cap per attempt, streamed: no first content or no data for this long → timeout (also the dispatcher's body timeout). */
  idleTimeoutMs: z.number().int().positive().default(300_000),
  /** Cap per attempt, whole response (also the dispatcher's header timeout, replacing Node's 300 s). */
  timeoutMs: z.number().int().positive().default(900_000),
  /**
   * Timeouts follow observed answer times: no first content within max(firstTokenFloorMs,
   * 10× the p95 so far), no whole answer within max(30 s, 10× the p95), never above the two caps above.
   */
  adaptiveTimeouts: z.boolean().default(true),
  firstTokenFloorMs: z.number().int().positive().default(10_000),
  /** A request stuck past the p99 answer time gets a second copy when capacity is free. */
  hedge: z.boolean().default(true),
  retries: z
    .object({
      max: z.number().int().nonnegative().default(5),
      baseMs: z.number().int().positive().default(500),
      maxMs: z.number().int().positive().default(60_000),
    })
    .prefault({}),
  /** An endpoint with this many failures in a row is rested (first for restMs, doubling up to 10 min). */
  rest: z
    .object({
      afterFailures: z.number().int().positive().default(3),
      ms: z.number().int().positive().default(15_000),
    })
    .prefault({}),
  /** Abort and retry a streamed response whose run of whitespace passes this many characters. */
  whitespaceLimit: z.number().int().positive().default(256),
  stream: z.boolean().default(true),
  /** Per model name, USD per million tokens (configurable; no built-in price is authoritative). */
  prices: z.record(z.string(), PriceSchema).default({}),
  /**
   * max_tokens for the one retry of an answer cut off at max_tokens; null: twice max_tokens.
   * Set it to max_tokens to never retry (e.g. a server whose context is full).
   */
  truncationRetryMaxTokens: z.number().int().positive().nullable().default(null),
  /** For the pre-run estimate: expected output tokens per report. */
  estimateOutputTokens: z.number().int().positive().default(300),
  /**
   * How requests reach the model: `live` sends each one (scheduler, retries); `batch` hands them to the
   * first endpoint's Batch API (files + batches, 24 h window, batch price) and imports the answers.
   */
  engine: z.enum(['live', 'batch']).default('live'),
  /** Batch API limits and polling: one input file holds at most this many requests and bytes. */
  batch: z
    .object({
      maxRequests: z.number().int().positive().default(50_000),
      maxBytes: z
        .number()
        .int()
        .positive()
        .default(200 * 1024 * 1024),
      pollMs: z.number().int().positive().default(30_000),
    })
    .prefault({}),
});
export type LlmProfile = z.infer<typeof LlmProfileSchema>;

export const LlmConfigSchema = LlmProfileSchema.extend({
  /** Named variants (e.g. `gold` for the strong model); fields given override the top level. */
  profiles: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
});
export type LlmConfig = z.infer<typeof LlmConfigSchema>;

/** A secret found in stored settings: how to replace it (the value itself is never shown). */
const STORED_SECRET_HINT =
  'Replace the endpoint: cxrvqa llm set --endpoint URL-WITHOUT-CREDENTIALS --key-env VAR (add --profile NAME for a profile), then rotate the key: it was written to state.json.';

function isSecretIssue(issue: z.core.$ZodIssue | undefined): boolean {
  return issue?.code === 'custom' && (issue.params as { secret?: boolean } | undefined)?.secret === true;
}

/** Parse `run.state.config.llm` with a clear message on bad values. */
export function parseLlmConfig(raw: unknown): LlmConfig {
  const parsed = LlmConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(
      `Invalid LLM config at llm.${issue?.path.join('.')}: ${issue?.message}`,
      isSecretIssue(issue) ? STORED_SECRET_HINT : 'Fix it with `cxrvqa llm set ...`.',
    );
  }
  return parsed.data;
}

/** The profile to use: the top level, or a named profile merged over it. */
export function resolveProfile(config: RunConfig | { llm: unknown }, name?: string): LlmProfile {
  const llm = parseLlmConfig(config.llm);
  const { profiles, ...base } = llm;
  if (!name) return base;
  const over = profiles[name];
  if (!over) return base;
  const parsed = LlmProfileSchema.safeParse({ ...base, ...over });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(
      `Invalid LLM profile "${name}" at ${issue?.path.join('.')}: ${issue?.message}`,
      isSecretIssue(issue) ? STORED_SECRET_HINT : undefined,
    );
  }
  return parsed.data;
}

/**
 * What an LLM step's output depends on: model, prompt and decoding. Endpoints,
 * concurrency, timeouts and retries change how answers are fetched, not what they
 * are, so changing them leaves finished work current (and an interrupted run resumable).
 * The prompt counts by its current text, so a prompt file edited in place makes the
 * step stale; its hash has the form `llm set` records, so an unchanged prompt keeps the
 * fingerprint recorded before.
 */
export function outputFingerprint(config: RunConfig): unknown {
  if (config.backend !== 'llm') return { backend: config.backend };
  const p = resolveProfile(config);
  return {
    backend: 'llm',
    model: p.model,
    prompt: p.prompt,
    promptSha: currentPromptSha(p.prompt) ?? p.promptSha,
    decoding: p.decoding,
    structured: p.structured,
  };
}

/** Label for an endpoint in logs (URL without credentials or query). */
export function endpointLabel(ep: Pick<Endpoint, 'url' | 'kind' | 'deployment'>): string {
  const u = new URL(ep.url);
  const base = `${u.protocol}//${u.host}${u.pathname.replace(/\/$/, '')}`;
  return ep.kind === 'azure' && ep.deployment ? `${base} [${ep.deployment}]` : base;
}
