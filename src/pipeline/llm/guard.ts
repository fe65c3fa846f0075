import net from 'node:net';
import type { Endpoint } from './config.js';
import { endpointLabel } from './config.js';
import { UserError } from '../util/errors.js';

/**
 * Data-use guard. PhysioNet's guidance on LLMs (Sept 2025) asks for zero data
 * retention, no training on the data and no human review, and recommends
 * locally deployed models. Credentialed text may therefore go to loopback and
 * private-network endpoints freely; everything else needs an explicit, per-run
 * confirmation, and the public OpenAI API is refused without an override.
 */

export type EndpointClass = 'loopback' | 'private' | 'azure' | 'public-openai' | 'public';

export const CONFIRM_AZURE = 'azure-data-use';
export const CONFIRM_PUBLIC_OPENAI = 'public-openai';
export const CONFIRM_PUBLIC = 'public-endpoint';

export function classifyEndpoint(ep: Pick<Endpoint, 'url' | 'kind'>): EndpointClass {
  const host = new URL(ep.url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback';
  const ipKind = net.isIP(host);
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
  if (ep.kind === 'azure' || /\.(openai\.azure\.com|cognitiveservices\.azure\.com|services\.ai\.azure\.com)$/.test(host)) return 'azure';
  if (host === 'api.openai.com' || host.endsWith('.openai.com')) return 'public-openai';
  return 'public';
}

/** Throws one UserError explaining why and what to do, or returns when the data may go there. */
export function checkDataUse(endpoints: readonly Endpoint[], credentialed: boolean, confirmations: ReadonlySet<string>): void {
  if (!credentialed) return;
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
