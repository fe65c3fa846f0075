import type { LlmProfile } from './config.js';
import type { ErrorKind, Usage } from './types.js';

export interface LlmStatsSnapshot {
  requests: number;
  ok: number;
  filtered: number;
  cached: number;
  retries: number;
  /** Second copies sent for requests stuck past nearly every other answer. */
  hedges: number;
  errors: Partial<Record<ErrorKind, number>>;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  elapsedSeconds: number;
  requestsPerSecond: number;
}

/** Tokens, cost, error counts by kind and request rate for one stack. */
export class LlmStats {
  private readonly started = Date.now();
  private s: Omit<LlmStatsSnapshot, 'elapsedSeconds' | 'requestsPerSecond'> = {
    requests: 0,
    ok: 0,
    filtered: 0,
    cached: 0,
    retries: 0,
    hedges: 0,
    errors: {},
    tokensIn: 0,
    tokensOut: 0,
    costUsd: 0,
  };

  constructor(private readonly prices: LlmProfile['prices'] = {}) {}

  /** One HTTP attempt finished. Returns the cost of its usage. */
  attempt(kind: 'ok' | 'filtered' | ErrorKind, usage: Usage | null, model: string): number {
    this.s.requests++;
    if (kind === 'ok') this.s.ok++;
    else if (kind === 'filtered') this.s.filtered++;
    else this.s.errors[kind] = (this.s.errors[kind] ?? 0) + 1;
    if (!usage) return 0;
    this.s.tokensIn += usage.prompt_tokens;
    this.s.tokensOut += usage.completion_tokens;
    const cost = costOf(this.prices, model, usage.prompt_tokens, usage.completion_tokens);
    this.s.costUsd += cost;
    return cost;
  }

  retry(): void {
    this.s.retries++;
  }

  hedge(): void {
    this.s.hedges++;
  }

  cacheHit(): void {
    this.s.cached++;
  }

  snapshot(): LlmStatsSnapshot {
    const elapsedSeconds = (Date.now() - this.started) / 1000;
    return {
      ...this.s,
      errors: { ...this.s.errors },
      elapsedSeconds,
      requestsPerSecond: elapsedSeconds > 0 ? this.s.requests / elapsedSeconds : 0,
    };
  }
}

/** The Batch API's price: half the live price (OpenAI and Azure batch pricing). */
export const BATCH_PRICE_FACTOR = 0.5;

export function batchPrices(prices: LlmProfile['prices']): LlmProfile['prices'] {
  return Object.fromEntries(
    Object.entries(prices).map(([m, p]) => [
      m,
      { input: p.input * BATCH_PRICE_FACTOR, output: p.output * BATCH_PRICE_FACTOR },
    ]),
  );
}

/** USD for a number of tokens; 0 when no price is configured for the model. */
export function costOf(prices: LlmProfile['prices'], model: string, tokensIn: number, tokensOut: number): number {
  const p = prices[model];
  if (!p) return 0;
  return (tokensIn * p.input + tokensOut * p.output) / 1e6;
}

export interface Estimate {
  requests: number;
  tokensIn: number;
  tokensOut: number;
  costUsd: number | null;
  method: string;
}

/**
 * Pre-run estimate. Token counts are chars/4 (a rough rule for English with
 * BPE tokenizers; the real count depends on the model's tokenizer and on
 * hidden schema/template tokens), output is the configured per-report guess.
 */
export function estimateRun(
  promptChars: readonly number[],
  profile: Pick<LlmProfile, 'prices' | 'estimateOutputTokens' | 'model'> & Partial<Pick<LlmProfile, 'engine'>>,
): Estimate {
  let tokensIn = 0;
  // 4 tokens of chat overhead per message pair plus reply priming.
  for (const c of promptChars) tokensIn += Math.ceil(c / 4) + 10;
  const tokensOut = promptChars.length * profile.estimateOutputTokens;
  const prices = profile.engine === 'batch' ? batchPrices(profile.prices) : profile.prices;
  const price = profile.model ? prices[profile.model] : undefined;
  return {
    requests: promptChars.length,
    tokensIn,
    tokensOut,
    costUsd: price ? (tokensIn * price.input + tokensOut * price.output) / 1e6 : null,
    method: `chars/4 for input, ${profile.estimateOutputTokens} output tokens per report (rough)`,
  };
}
