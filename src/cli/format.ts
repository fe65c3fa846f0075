import type { ProgressSnapshot } from '../pipeline/index.js';
import { progressLine } from '../present/progress.js';

/** The headless progress line: the shared progress cells joined with spaces. */
export function formatProgressLine(p: ProgressSnapshot): string {
  return progressLine(p);
}
