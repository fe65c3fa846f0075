import type { StepEvent } from '../steps/contract.js';
import type { LlmEvent } from './types.js';

/**
 * Turn the layer's events into step log lines. Retries are capped so a run
 * against a struggling endpoint does not flood the log; `onRetry` lets a step
 * also count them per item.
 */
export function llmEventLogger(
  emit: (e: StepEvent) => void,
  opts: { maxRetryLogs?: number; onRetry?: (e: Extract<LlmEvent, { type: 'retry' }>) => void } = {},
): (e: LlmEvent) => void {
  const maxRetryLogs = opts.maxRetryLogs ?? 20;
  let retryLogs = 0;
  return (e) => {
    switch (e.type) {
      case 'retry':
        if (retryLogs++ < maxRetryLogs) emit({ type: 'log', level: 'warn', message: `retry ${e.attempt} for ${e.tag ?? '?'} in ${Math.round(e.delayMs)} ms: ${e.errorKind} ${e.message}` });
        opts.onRetry?.(e);
        break;
      case 'endpoint-rested':
        emit({ type: 'log', level: 'warn', message: `endpoint ${e.endpoint} rested for ${Math.max(0, Math.round((e.untilMs - Date.now()) / 1000))} s: ${e.reason}` });
        break;
      case 'endpoint-restored':
        emit({ type: 'log', level: 'info', message: `endpoint ${e.endpoint} is answering again` });
        break;
      default:
        emit({ type: 'log', level: 'warn', message: `endpoint ${e.endpoint} does not accept json_schema output; using free text there (${e.reason})` });
    }
  };
}
