import type { StepEvent } from '../steps/contract.js';
import type { LlmEvent } from './types.js';

/** Lines about one endpoint's state are grouped: at most one per kind per window. */
const GROUP_MS = 10_000;

/**
 * Turn the layer's events into step log lines. Retries are capped and endpoint
 * state changes grouped, so a run against a struggling endpoint does not flood
 * the log; `onRetry` lets a step also count them per item.
 */
export function llmEventLogger(
  emit: (e: StepEvent) => void,
  opts: { maxRetryLogs?: number; onRetry?: (e: Extract<LlmEvent, { type: 'retry' }>) => void; now?: () => number } = {},
): (e: LlmEvent) => void {
  const maxRetryLogs = opts.maxRetryLogs ?? 20;
  const now = opts.now ?? Date.now;
  let retryLogs = 0;
  const groups = new Map<string, { at: number; more: number }>();
  const grouped = (key: string, level: 'info' | 'warn', message: (more: number) => string) => {
    const t = now();
    const g = groups.get(key);
    if (g && t - g.at < GROUP_MS) {
      g.more++;
      return;
    }
    emit({ type: 'log', level, message: message(g?.more ?? 0) });
    groups.set(key, { at: t, more: 0 });
  };
  const andMore = (n: number) => (n > 0 ? ` (${n} more like this since the last such line)` : '');
  return (e) => {
    switch (e.type) {
      case 'retry':
        if (retryLogs++ < maxRetryLogs)
          emit({
            type: 'log',
            level: 'warn',
            message: `retry ${e.attempt} for ${e.tag ?? '?'} in ${Math.round(e.delayMs)} ms: ${e.errorKind} ${e.message}`,
          });
        opts.onRetry?.(e);
        break;
      case 'rate-limited':
        grouped(
          `429 ${e.endpoint}`,
          'warn',
          (more) =>
            `endpoint ${e.endpoint} is rate limiting (429): ${e.limit} of ${e.max} requests at once there now${andMore(more)}`,
        );
        break;
      case 'endpoint-rested':
        grouped(
          `rest ${e.endpoint}`,
          'warn',
          (more) =>
            `endpoint ${e.endpoint} rested for ${Math.max(0, Math.round((e.untilMs - Date.now()) / 1000))} s: ${e.reason}${andMore(more)}`,
        );
        break;
      case 'endpoint-restored':
        grouped(
          `restored ${e.endpoint}`,
          'info',
          (more) => `endpoint ${e.endpoint} is answering again${andMore(more)}`,
        );
        break;
      case 'structured-output-off':
        emit({
          type: 'log',
          level: 'warn',
          message: `endpoint ${e.endpoint} does not accept json_schema output; using free text there (${e.reason})`,
        });
    }
  };
}
