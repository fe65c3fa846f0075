import net from 'node:net';
import { providerFor } from './providers/index.js';
import type { Endpoint } from './config.js';
import { endpointLabel } from './config.js';
import { UserError } from '../util/errors.js';
import type { CorpusConfig } from '../schemas/state.js';

/**
 * Data-use guard. PhysioNet's guidance on LLMs (Sept 2025) asks for zero data
 * retention, no training on the data and no human review, and recommends
 * locally deployed models. Credentialed text may therefore go to loopback and
 * private-network endpoints freely; everything else needs an explicit, per-run
 * confirmation, and the public OpenAI API is refused without an override.
 * Whether a corpus is credentialed is stored with the run; turning that off is
 * an explicit, confirmed choice, for one invocation or recorded (`llm set --data-use`).
 */

export type EndpointClass = 'loopback' | 'private' | 'azure' | 'public-openai' | 'public';

export const CONFIRM_AZURE = 'azure-data-use';
export const CONFIRM_PUBLIC_OPENAI = 'public-openai';
export const CONFIRM_PUBLIC = 'public-endpoint';
/** Treat a credentialed corpus as not credentialed (the guard is off) for one invocation. */
export const CONFIRM_NOT_CREDENTIALED = 'not-credentialed';

/** Host names that only resolve on a local network (RFC 6762 .local, RFC 8375 .home.arpa, and the common .lan/.internal). */
const LAN_SUFFIX = /\.(lan|local|internal|home\.arpa)$/;

export function classifyEndpoint(ep: Pick<Endpoint, 'url' | 'kind'>): EndpointClass {
  const host = new URL(ep.url).hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback';
  const ipKind = net.isIP(host);
  // A single-label name (gpu-box) or a LAN suffix cannot be a public host: it resolves inside the local network.
  if (ipKind === 0 && (!host.includes('.') || LAN_SUFFIX.test(host))) return 'private';
  if (ipKind === 4) {
    const [a, b] = host.split('.').map(Number) as [number, number];
    if (a === 127) return 'loopback';
    if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private';
  } else if (ipKind === 6) {
    if (host === '::1') return 'loopback';
    if (/^f[cd][0-9a-f]{2}:/.test(host)) return 'private';
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host);
    if (mapped) return classifyEndpoint({ url: `http://${mapped[1]}/`, kind: ep.kind });
    // The URL parser writes an IPv4-mapped address in hex (::ffff:7f00:1 for 127.0.0.1).
    const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
    if (hex) {
      const hi = parseInt(hex[1]!, 16);
      const lo = parseInt(hex[2]!, 16);
      return classifyEndpoint({ url: `http://${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}/`, kind: ep.kind });
    }
  }
  return providerFor(ep.kind).dataUse(host);
}

/** Throws one UserError explaining why and what to do, or returns when the data may go there. */
export function checkDataUse(
  endpoints: readonly Endpoint[],
  credentialed: boolean,
  confirmations: ReadonlySet<string>,
): void {
  if (!credentialed || confirmations.has(CONFIRM_NOT_CREDENTIALED)) return;
  for (const ep of endpoints) {
    const cls = classifyEndpoint(ep);
    const label = endpointLabel(ep);
    switch (cls) {
      case 'loopback':
      case 'private':
        break;
      case 'azure':
        if (!confirmations.has(CONFIRM_AZURE)) {
          throw new UserError(
            `Refusing to send credentialed reports to Azure OpenAI (${label}) without confirmation. PhysioNet requires zero data retention, no training on the data and no human review.`,
            `Confirm that this deployment has the abuse-monitoring/human-review and data-retention opt-outs approved, then add --confirm ${CONFIRM_AZURE} (needed on every run). A local model (vLLM on 127.0.0.1) needs nothing.`,
          );
        }
        break;
      case 'public-openai':
        if (!confirmations.has(CONFIRM_PUBLIC_OPENAI) && !confirmations.has('public-openai-override')) {
          throw new UserError(
            `Refusing to send credentialed reports to the public OpenAI API (${label}): PhysioNet's data-use terms for credentialed data (zero retention, no training, no human review) are not met by default there.`,
            `Use a local model (vLLM on 127.0.0.1) or Azure OpenAI with the opt-outs. If you have a zero-data-retention agreement, override with --confirm ${CONFIRM_PUBLIC_OPENAI}.`,
          );
        }
        break;
      case 'public':
        if (!confirmations.has(CONFIRM_PUBLIC)) {
          throw new UserError(
            `Refusing to send credentialed reports to a public host (${label}). Credentialed data may go to loopback or private-network endpoints without confirmation.`,
            `Tunnel a local server (ssh -L 8000:127.0.0.1:8000 host) and use http://127.0.0.1:8000/v1, or, if the host meets the data-use terms, add --confirm ${CONFIRM_PUBLIC}.`,
          );
        }
        break;
      default: {
        const never: never = cls;
        throw new Error(`unknown endpoint class ${String(never)}`);
      }
    }
  }
}

/** MIMIC-CXR layouts hold credentialed data by their licence. */
export function isMimicLayout(corpus: Pick<CorpusConfig, 'kind'>): boolean {
  return corpus.kind === 'mimic' || corpus.kind === 'mimic-jpg';
}

export const NOT_CREDENTIALED_WARNING =
  'warning: the corpus is treated as not credentialed for this invocation only: the data-use guard is off until it ends, and the run stays marked credentialed. To record the choice: cxrvqa llm set --data-use not-credentialed --confirm not-credentialed';

export interface InvocationDataUse {
  /** The corpus config to store (null: leave the stored one). */
  corpus: CorpusConfig | null;
  /** To print before any work, when the guard is off for this invocation. */
  warning: string | null;
}

/**
 * What a headless invocation's `--no-credentialed` / `--confirm not-credentialed`
 * mean for the data-use guard. On a MIMIC-layout corpus `--no-credentialed` needs
 * the confirmation; either way the choice lasts for the invocation only (the
 * confirmation reaches the guard through the run env) and is never stored.
 */
export function invocationDataUse(
  given: CorpusConfig | null,
  stored: CorpusConfig | null,
  credentialedFlag: boolean | undefined,
  confirmations: ReadonlySet<string>,
): InvocationDataUse {
  const target = given ?? stored;
  const confirmed = confirmations.has(CONFIRM_NOT_CREDENTIALED);
  if (credentialedFlag === false && target && isMimicLayout(target)) {
    // Leaving a corpus already recorded as not credentialed (llm set --data-use) alone needs nothing.
    const alreadyOff = !given && !target.credentialed;
    if (!alreadyOff && !confirmed) {
      throw new UserError(
        `--no-credentialed on a MIMIC-CXR corpus turns the data-use guard off: credentialed reports could then go to any endpoint. It is refused without confirmation.`,
        `If this copy is really not credentialed data, add --confirm ${CONFIRM_NOT_CREDENTIALED} (for this invocation only), or record it for the run: cxrvqa llm set --data-use not-credentialed --confirm ${CONFIRM_NOT_CREDENTIALED}. To keep the guard, drop --no-credentialed and use a local endpoint.`,
      );
    }
    // The flag lasts for this invocation: the stored corpus keeps its recorded choice (credentialed by default).
    const keep = stored && given && stored.path === given.path ? stored.credentialed : true;
    return {
      corpus: given ? { ...given, credentialed: keep } : null,
      warning: alreadyOff ? null : NOT_CREDENTIALED_WARNING,
    };
  }
  const credentialed = given ? given.credentialed : (stored?.credentialed ?? false);
  return { corpus: given, warning: confirmed && credentialed ? NOT_CREDENTIALED_WARNING : null };
}

/**
 * `llm set --data-use`: record whether the run's corpus is credentialed. Marking
 * a credentialed corpus as not credentialed turns the guard off for every later
 * invocation, so it needs the confirmation too.
 */
export function recordedDataUse(
  corpus: CorpusConfig | null,
  value: string,
  confirmations: ReadonlySet<string>,
): { corpus: CorpusConfig; warning: string | null } {
  if (value !== 'credentialed' && value !== 'not-credentialed') {
    throw new UserError(`--data-use expects credentialed or not-credentialed, got "${value}".`);
  }
  if (!corpus)
    throw new UserError(
      'This run has no corpus yet, so there is nothing to mark.',
      'Give it one first: cxrvqa run --corpus PATH --steps ingest',
    );
  if (value === 'credentialed') return { corpus: { ...corpus, credentialed: true }, warning: null };
  if (corpus.credentialed && !confirmations.has(CONFIRM_NOT_CREDENTIALED)) {
    throw new UserError(
      'Marking this corpus as not credentialed turns the data-use guard off for every later run of it.',
      `If it really is not credentialed data, add --confirm ${CONFIRM_NOT_CREDENTIALED}. To undo later: cxrvqa llm set --data-use credentialed`,
    );
  }
  return {
    corpus: { ...corpus, credentialed: false },
    warning: corpus.credentialed
      ? 'warning: the corpus is now recorded as not credentialed: the data-use guard is off for this run until cxrvqa llm set --data-use credentialed'
      : null,
  };
}
