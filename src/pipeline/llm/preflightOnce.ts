import { canonicalJson } from '../util/hash.js';
import type { LlmProfile } from './config.js';
import { preflightLlm, type EndpointCheck, type PreflightOptions } from './index.js';

/**
 * The pipeline's early checks and each step's own preflight ask the same
 * endpoints the same question within one invocation (extract and follow-up
 * share a profile). A passed check is reused for that invocation, told apart
 * by its abort signal (one per `cxrvqa run` or app run), while it is recent:
 * a step that starts hours later, after a long extraction, checks again.
 */

/** How long a passed check stands in for a new one. */
const REUSE_MS = 60_000;

interface Passed {
  checks: Promise<EndpointCheck[]>;
  at: number;
}

const byInvocation = new WeakMap<AbortSignal, Map<string, Passed>>();

export interface PreflightOnce {
  checks: EndpointCheck[];
  /** False when the checks were reused from earlier in this invocation (already reported). */
  first: boolean;
}

export async function preflightOnce(
  profile: LlmProfile,
  opts: PreflightOptions & { signal: AbortSignal },
): Promise<PreflightOnce> {
  let passed = byInvocation.get(opts.signal);
  if (!passed) byInvocation.set(opts.signal, (passed = new Map()));
  // Everything the outcome depends on; the keys themselves come from opts.env, which one invocation does not change.
  const key = canonicalJson({
    endpoints: profile.endpoints,
    model: profile.model,
    credentialed: opts.credentialed,
    confirmations: [...opts.confirmations].sort(),
    timeoutMs: opts.timeoutMs ?? null,
  });
  const now = Date.now();
  const earlier = passed.get(key);
  if (earlier && now - earlier.at < REUSE_MS) return { checks: await earlier.checks, first: false };
  const checks = preflightLlm(profile, opts);
  passed.set(key, { checks, at: now });
  try {
    return { checks: await checks, first: true };
  } catch (err) {
    // A failed check is not remembered: fixing the endpoint mid-invocation (the app) must be seen.
    passed.delete(key);
    throw err;
  }
}
