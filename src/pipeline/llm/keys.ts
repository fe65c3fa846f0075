import fs from 'node:fs';
import type { Endpoint } from './config.js';
import { endpointLabel } from './config.js';
import { UserError } from '../util/errors.js';

/**
 * Keys are looked up at call time from an environment variable or a key file
 * and live only in memory; every error text the layer produces goes through
 * `redactSecrets` so a key echoed by a server or a proxy never reaches a log.
 */

/** Placeholder for servers that accept any key (vLLM without --api-key): the SDK requires a non-empty one. */
export const NO_KEY = 'EMPTY';

export function resolveKey(ep: Endpoint, env: NodeJS.ProcessEnv, opts: { required?: boolean } = {}): string {
  if (ep.keyEnv) {
    const v = env[ep.keyEnv];
    if (!v || !v.trim()) {
      throw new UserError(
        `The key for ${endpointLabel(ep)} is missing: environment variable ${ep.keyEnv} is not set.`,
        `export ${ep.keyEnv}=... before running, or use --key-file PATH.`,
      );
    }
    return v.trim();
  }
  if (ep.keyFile) {
    let text: string;
    try {
      text = fs.readFileSync(ep.keyFile, 'utf8');
    } catch (err) {
      throw new UserError(
        `The key file for ${endpointLabel(ep)} cannot be read: ${ep.keyFile} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`,
      );
    }
    const key = text.split(/\r?\n/)[0]?.trim() ?? '';
    if (!key) throw new UserError(`The key file ${ep.keyFile} is empty.`);
    return key;
  }
  if (opts.required) {
    throw new UserError(
      `The ${ep.kind} endpoint ${endpointLabel(ep)} needs a key.`,
      ep.kind === 'azure'
        ? 'Pass --key-env AZURE_OPENAI_API_KEY or --key-file PATH.'
        : 'Pass --key-env VAR or --key-file PATH.',
    );
  }
  return NO_KEY;
}

const known = new Set<string>();

/** Register a secret so that `redactSecrets` removes it from any text. */
export function registerSecret(secret: string): void {
  if (secret && secret !== NO_KEY && secret.length >= 4) known.add(secret);
}

export function redactSecrets(text: string, extra: readonly string[] = []): string {
  let out = text;
  for (const s of [...known, ...extra]) {
    if (!s || s.length < 4) continue;
    out = out.split(s).join('[REDACTED]');
    // A key is also recognisable by its tail (servers often print "...abcd").
    if (s.length >= 12) out = out.split(s.slice(-8)).join('[REDACTED]');
  }
  // Bearer tokens and api-key headers echoed back by a proxy.
  return out
    .replace(/(Bearer\s+)[A-Za-z0-9._-]{8,}/g, '$1[REDACTED]')
    .replace(/(api-key["']?\s*[:=]\s*["']?)[A-Za-z0-9._-]{8,}/gi, '$1[REDACTED]');
}
