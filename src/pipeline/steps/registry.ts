import type { AnyStep } from './contract.js';

/**
 * The pipeline's steps in run order. Each area registers its step here; the
 * headless runner and the Ink app read only this list.
 */
export const STEPS: AnyStep[] = [];

export function findStep(id: string): AnyStep | undefined {
  return STEPS.find((s) => s.id === id);
}
