import fs from 'node:fs';
import path from 'node:path';
import type { Run } from '../store/run.js';
import { UserError } from '../util/errors.js';

/** Where a step's failures are kept: `<run>/logs/<step>.log`. */
export function stepLogFile(run: Run, stepId: string): string {
  return path.join(run.dir, 'logs', `${stepId}.log`);
}

/**
 * Append a failure to the step's log, with the stack for internal errors (the
 * state keeps only the message). Returns the file, or null when it could not
 * be written: losing the log must not hide the failure itself.
 */
export function recordStepError(run: Run, stepId: string, err: unknown): string | null {
  const file = stepLogFile(run, stepId);
  const detail =
    err instanceof UserError
      ? `${err.message}${err.hint ? `\n${err.hint}` : ''}`
      : err instanceof Error
        ? (err.stack ?? err.message)
        : String(err);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.appendFileSync(file, `[${new Date().toISOString()}] ${stepId} failed\n${detail}\n\n`);
    return file;
  } catch {
    return null;
  }
}
