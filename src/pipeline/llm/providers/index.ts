import { UserError } from '../../util/errors.js';
import { endpointLabel, type Endpoint } from '../config.js';
import { azureProvider } from './azure.js';
import { openaiProvider } from './openai.js';
import type { ProviderDefinition } from './types.js';

export type {
  AttemptResult,
  ProviderClient,
  ProviderDefinition,
  ProviderOptions,
  ProviderTiming,
  PublicDataUse,
} from './types.js';

/** Every provider by `endpoint.kind`. Adding one is a module and a line here. */
export const PROVIDERS: readonly ProviderDefinition[] = [openaiProvider, azureProvider];

export { PROVIDER_KINDS, type ProviderKind } from './kinds.js';

export function providerFor(kind: string): ProviderDefinition {
  const p = PROVIDERS.find((d) => d.kind === kind);
  if (!p)
    throw new UserError(`Unknown endpoint kind "${kind}".`, `Known kinds: ${PROVIDERS.map((d) => d.kind).join(', ')}.`);
  return p;
}

/** The provider's own settings (e.g. Azure's api-version format), checked when an endpoint is set or used. */
export function checkEndpointSettings(ep: Endpoint): void {
  const r = providerFor(ep.kind).settings.safeParse(ep);
  if (r.success) return;
  const issue = r.error.issues[0];
  throw new UserError(
    `The ${ep.kind} endpoint ${endpointLabel(ep)}: ${issue?.path.join('.') || 'settings'}: ${issue?.message}`,
  );
}
