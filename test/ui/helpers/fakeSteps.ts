import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import type { AnyStep, StepContext } from '../../../src/pipeline/steps/contract.js';

/**
 * Steps registered only in tests: they drive the runner through the real
 * contract (artifacts, resume by key, abort) without any pipeline logic.
 */
const CountParams = z.object({
  total: z.number().int().min(1).default(20),
  delayMs: z.number().int().min(0).default(0),
  prefix: z.string().min(1).default('s'),
  /** USD per item; 0 = no price configured. */
  costPerItem: z.number().min(0).default(0.001),
});

/**
 * Waits `ms`, or less when the step is aborted. Node's timer removes its abort listener when it fires: a listener
 * left on the step's signal per item used to pile up to a MaxListenersExceededWarning.
 */
export const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  ms <= 0 || signal.aborted ? Promise.resolve() : delay(ms, undefined, { signal }).catch(() => undefined);

export function countingStep(id = 'count', reads: string[] = [], extra: Partial<AnyStep> = {}): AnyStep {
  const out = `${id}-out`;
  return {
    id,
    title: `Count ${id}`,
    description: `writes one record per item to ${out}`,
    params: CountParams as unknown as AnyStep['params'],
    reads,
    writes: [out],
    async run(ctx: StepContext<Record<string, unknown>>) {
      const p = CountParams.parse(ctx.params);
      const art = ctx.run.artifact<{ study_id: string; i: number }>(out);
      const have = ctx.mode === 'resume' ? await art.keys() : new Set<string>();
      let done = have.size;
      ctx.emit({ type: 'log', level: 'info', message: `${ctx.mode}: ${have.size} already done` });
      for (let i = 0; i < p.total; i++) {
        const key = `${p.prefix}${i}`;
        if (have.has(key)) continue;
        if (ctx.signal.aborted) break;
        await sleep(p.delayMs, ctx.signal);
        if (ctx.signal.aborted) break;
        art.append({ study_id: key, i });
        done++;
        if (i % 7 === 3)
          ctx.emit({ type: 'item', key, outcome: 'failed', reason: i % 2 ? 'timeout: slow' : 'parse_error: bad json' });
        ctx.emit({ type: 'usage', tokensIn: 10, tokensOut: 5, costUsd: p.costPerItem });
        ctx.emit({ type: 'progress', done, total: p.total });
      }
      art.close();
      return { counts: { [out]: done }, summary: `${done} items` };
    },
    async preview(run) {
      return `${(await run.artifact(out).keys()).size} records in ${out}`;
    },
    ...extra,
  };
}

/** Emits `events` events as fast as it can (1,000 by default), then a loss series. */
export function floodStep(events = 1000): AnyStep {
  return {
    id: 'flood',
    title: 'Flood',
    description: 'emits many events quickly',
    params: z.object({}) as unknown as AnyStep['params'],
    reads: [],
    writes: [],
    async run(ctx) {
      for (let i = 1; i <= events; i++) {
        ctx.emit({ type: 'progress', done: i, total: events });
        if (i % 50 === 0) ctx.emit({ type: 'log', level: 'info', message: `batch ${i}` });
        ctx.emit({ type: 'metric', name: 'loss', x: i, y: 2 / Math.sqrt(i) });
        // Yield now and then so the timer-based flush can fire mid-flood.
        if (i % 100 === 0) await new Promise((r) => setImmediate(r));
      }
      return { counts: { events }, summary: `${events} events` };
    },
  };
}
