import { LlmProfileSchema, type LlmProfile } from '../../src/pipeline/llm/config.js';

/** A profile for tests: short timeouts and backoff so fault tests take milliseconds, not minutes. */
export function testProfile(urls: string | string[], over: Record<string, unknown> = {}): LlmProfile {
  const list = Array.isArray(urls) ? urls : [urls];
  return LlmProfileSchema.parse({
    endpoints: list.map((url) => ({ url, maxConcurrency: 8 })),
    model: 'extractor',
    retries: { max: 4, baseMs: 20, maxMs: 200 },
    rest: { afterFailures: 3, ms: 300 },
    idleTimeoutMs: 1000,
    timeoutMs: 3000,
    ...over,
  });
}

export const userMsg = (text: string) => [
  { role: 'system' as const, content: 'Return KeyInfo JSON.' },
  { role: 'user' as const, content: text },
];
