/** The endpoint kinds the registry (./index.ts) knows; here without imports so the settings schema can name them. */
export const PROVIDER_KINDS = ['openai', 'azure'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];
