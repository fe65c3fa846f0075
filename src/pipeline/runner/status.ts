import { DEFAULT_STYLE } from '../schemas/style.js';
import type { StepDisplayStatus, StepState } from '../schemas/state.js';
import { StepStateSchema } from '../schemas/state.js';
import type { AnyStep } from '../steps/contract.js';
import { artifactName } from '../store/artifact.js';
import type { Run } from '../store/run.js';
import { hashValue } from '../util/hash.js';
import { styleOf } from './style.js';

export function stepState(run: Run, stepId: string): StepState {
  return run.state.steps[stepId] ?? StepStateSchema.parse({});
}

/** Effective params: what the user set for the step, completed with the schema defaults. */
export function effectiveParams(run: Run, step: AnyStep): Record<string, unknown> {
  return step.params.parse(stepState(run, step.id).params ?? {});
}

/** Fingerprint of what a step's output depends on besides its input artifacts: params and config sections. */
export function stepFingerprint(run: Run, step: AnyStep): string {
  const config = step.configFingerprint
    ? step.configFingerprint(run.state.config, effectiveParams(run, step))
    : Object.fromEntries((step.configKeys ?? []).map((k) => [k, run.state.config[k]]));
  const style = styleOf(run);
  // Only a non-default style enters the hash: runs made before the setting existed stay current.
  if (step.usesStyle && style !== DEFAULT_STYLE)
    return hashValue({ params: effectiveParams(run, step), config, style });
  return hashValue({ params: effectiveParams(run, step), config });
}

export interface StalenessReason {
  kind: 'params' | 'input';
  detail: string;
}

/** Why a finished step no longer matches its params or inputs (empty when it is current). */
export function staleReasons(run: Run, step: AnyStep): StalenessReason[] {
  const st = stepState(run, step.id);
  if (st.status !== 'done') return [];
  const reasons: StalenessReason[] = [];
  let hash: string | null = null;
  try {
    hash = stepFingerprint(run, step);
  } catch {
    reasons.push({ kind: 'params', detail: 'params no longer valid' });
  }
  if (hash !== null && st.paramsHash !== null && hash !== st.paramsHash)
    reasons.push({ kind: 'params', detail: 'params or config changed' });
  for (const name of step.reads.map(artifactName)) {
    const now = run.state.artifacts[name]?.version ?? 0;
    const then = st.inputVersions[name] ?? 0;
    if (now !== then) reasons.push({ kind: 'input', detail: `${name} changed` });
  }
  return reasons;
}

/** Stale wins over warning: re-running is the fix either way, and a stale warning may no longer hold. */
export function displayStatus(run: Run, step: AnyStep): StepDisplayStatus {
  const st = stepState(run, step.id);
  if (st.status === 'done' && staleReasons(run, step).length > 0) return 'stale';
  if (st.status === 'done' && st.warning) return 'warning';
  return st.status;
}

export interface StepWarning {
  stepId: string;
  warning: string;
}

/** The warnings the given steps' current results carry (done and current steps only), in plan order. */
export function stepWarnings(run: Run, steps: readonly AnyStep[]): StepWarning[] {
  return steps
    .filter((step) => displayStatus(run, step) === 'warning')
    .map((step) => ({ stepId: step.id, warning: stepState(run, step.id).warning ?? '' }));
}
