import {
  type AnyStep,
  displayStatus,
  keptOutputs,
  type Run,
  staleReasons,
  stepEngine,
  stepState,
} from '../../pipeline/index.js';
import type { StepRow } from './types.js';

/** The notebook cells as the run's state says now (previews are filled in separately: they read artifacts). */
export function buildRows(
  run: Run,
  steps: readonly AnyStep[],
  previews: Record<string, string | null> = {},
  kept: Record<string, Record<string, number>> = {},
): StepRow[] {
  return steps.map((step) => {
    const st = stepState(run, step.id);
    let applies = { ok: true } as StepRow['applies'];
    try {
      applies = step.applies?.(run) ?? applies;
    } catch (err) {
      applies = { ok: false, reason: (err as Error).message };
    }
    return {
      id: step.id,
      title: step.title,
      description: step.description,
      status: safe(() => displayStatus(run, step), st.status),
      counts: st.counts,
      summary: st.summary,
      finishedAt: st.finishedAt,
      durationMs: st.durationMs,
      error: st.error,
      warning: st.warning ?? null,
      stale: safe(() => staleReasons(run, step).map((r) => r.detail), []),
      applies,
      preview: previews[step.id] ?? null,
      engine: safe(() => stepEngine(run, step), null),
      kept: kept[step.id] ?? null,
      total: st.total ?? null,
    };
  });
}

/** One-line previews; a step without `preview` (or one that throws) gets its summary instead. */
export async function loadPreviews(run: Run, steps: readonly AnyStep[]): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const step of steps) {
    const st = stepState(run, step.id);
    if (st.status === 'not_run') {
      out[step.id] = null;
      continue;
    }
    try {
      out[step.id] = step.preview ? firstLine(await step.preview(run)) : null;
    } catch (err) {
      out[step.id] = `preview unavailable: ${(err as Error).message}`;
    }
  }
  return out;
}

/** Records kept on disk by the steps that stopped before finishing (their state counts are from an earlier run). */
export async function loadKept(run: Run, steps: readonly AnyStep[]): Promise<Record<string, Record<string, number>>> {
  const out: Record<string, Record<string, number>> = {};
  for (const step of steps) {
    const status = stepState(run, step.id).status;
    if (status !== 'interrupted' && status !== 'failed' && status !== 'running') continue;
    out[step.id] = await keptOutputs(run, step).catch(() => ({}));
  }
  return out;
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? '';
}

function safe<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}
