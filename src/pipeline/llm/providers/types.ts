import type OpenAI from 'openai';
import type { z } from 'zod';
import type { ProviderKind } from './kinds.js';
import type { Endpoint, LlmProfile } from '../config.js';
import type { AttemptLimits } from '../latency.js';
import type { ChatRequest, ErrorKind, LlmEvent, Usage } from '../types.js';

/**
 * What the scheduler and the preflight need from one endpoint, whatever protocol
 * it speaks. A provider (OpenAI-compatible, Azure, and the batch or local ones to
 * come) is one module that makes these; the registry picks it by `endpoint.kind`.
 */

/** One attempt against one endpoint: no retries here (the scheduler owns them). */
export type AttemptResult =
  | {
      kind: 'ok';
      text: string;
      finishReason: string;
      usage: Usage | null;
      model: string;
      latencyMs: number;
      firstTokenMs: number | null;
    }
  | { kind: 'filtered'; reason: string }
  | {
      kind: 'error';
      errorKind: ErrorKind;
      message: string;
      retryable: boolean;
      status?: number;
      retryAfterMs?: number;
    };

export interface ProviderClient {
  readonly endpoint: Endpoint;
  /** The endpoint as logs show it (no credentials). */
  readonly label: string;
  readonly maxConcurrency: number;
  /** The configured timeouts, used until answer times are known. */
  readonly caps: AttemptLimits;
  /** `refusedAttempts`: attempts refused for their json_schema and sent again as free text. */
  attempt(
    req: ChatRequest,
    signal?: AbortSignal,
    limits?: AttemptLimits,
  ): Promise<AttemptResult & { refusedAttempts?: number }>;
  /**
   * The model names served, for the preflight; null when the endpoint cannot list them
   * (a one-token request then checks key and model). Throws UserError when unreachable.
   */
  listModels(timeoutMs: number, signal?: AbortSignal): Promise<string[] | null>;
  /** The name to send for a model (Azure sends its deployment). */
  modelFor(model: string): string;
  markStructuredRefused(): void;
  close(): Promise<void>;
  /** The SDK client, for providers that also speak the OpenAI files and batches API (the batch engine). */
  readonly sdk?: OpenAI;
}

export type ProviderTiming = Pick<
  LlmProfile,
  'timeoutMs' | 'idleTimeoutMs' | 'whitespaceLimit' | 'stream' | 'structured'
>;

export interface ProviderOptions {
  env: NodeJS.ProcessEnv;
  onEvent?: (e: LlmEvent) => void;
}

/** Where a public (not loopback or private-network) host of this provider sends data. */
export type PublicDataUse = 'azure' | 'public-openai' | 'public';

export interface ProviderDefinition {
  kind: ProviderKind;
  /** Whether requests need a key (a local vLLM may run without one; Azure never does). */
  requiresKey: boolean;
  /** Settings this provider reads beyond the common ones, checked when an endpoint is configured. */
  settings: z.ZodType;
  /** The data-use class of a public host (loopback and private networks are decided before). */
  dataUse(host: string): PublicDataUse;
  create(endpoint: Endpoint, timing: ProviderTiming, opts: ProviderOptions): ProviderClient;
}
