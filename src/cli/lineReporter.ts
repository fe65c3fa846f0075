import type { RunnerEvent } from '../pipeline/index.js';
import { formatProgressLine } from './format.js';

/**
 * Plain line logs for non-TTY use (pipes, CI, nohup): no escape codes, one line
 * per event worth reading, progress at most every `intervalMs` per step.
 */
export function createLineReporter(write: (line: string) => void, intervalMs = 2000, now: () => number = Date.now) {
  const lastProgress = new Map<string, number>();
  return (e: RunnerEvent): void => {
    switch (e.type) {
      case 'step-start':
        write(`[${e.stepId}] start (${e.mode}): ${e.title}`);
        break;
      case 'step-event': {
        const ev = e.event;
        if (ev.type === 'log') write(`[${e.stepId}] ${ev.level === 'info' ? '' : ev.level + ': '}${ev.message}`);
        else if (ev.type === 'progress') {
          const t = now();
          const last = lastProgress.get(e.stepId) ?? 0;
          const finished = ev.total !== null && ev.done >= ev.total;
          if (t - last >= intervalMs || finished) {
            lastProgress.set(e.stepId, t);
            write(`[${e.stepId}] ${formatProgressLine(e.progress)}`);
          }
        }
        break;
      }
      case 'step-end':
        // A warning is never printed as a plain `done`: its reason and fix follow on their own line.
        write(`[${e.stepId}] ${e.warning ? 'warning' : e.status}: ${e.summary}`);
        if (e.warning) write(`[${e.stepId}] ${e.warning}`);
        // An internal error: the stack is what a bug report needs (a UserError carries none).
        if (e.stack) write(e.stack);
        if (e.logFile) write(`[${e.stepId}] details kept in ${e.logFile}`);
        break;
      default: {
        const never: never = e;
        throw new Error(`unknown runner event ${String(never)}`);
      }
    }
  };
}
