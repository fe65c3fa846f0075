import { canonicalJson, sha256 } from '../util/hash.js';
import type { ChatRequest } from './types.js';

/** Bump when the meaning of a cached response changes. */
const CACHE_KEY_VERSION = 1;

/** Cache key: a hash of everything that shapes the answer, and nothing about where or with which key it was asked. */
export function requestKey(req: ChatRequest): string {
  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(req.params ?? {})) if (v !== null && v !== undefined) params[k] = v;
  return sha256(
    canonicalJson({
      v: CACHE_KEY_VERSION,
      model: req.model,
      messages: req.messages,
      params,
      schema: req.responseSchema ?? null,
    }),
  );
}
