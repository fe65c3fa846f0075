import type { RunConfig } from '../schemas/state.js';

/**
 * The style's part of a step fingerprint, for the steps whose output depends on it
 * (reference, extract, standardize, follow-up). Empty for the default style, so runs
 * made before the setting existed keep their fingerprints and do not turn stale.
 */
export function styleFingerprint(config: Pick<RunConfig, 'style'>): { style?: 'release' } {
  return config.style === 'release' ? { style: 'release' } : {};
}
