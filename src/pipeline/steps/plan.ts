import type { RunState } from '../schemas/state.js';
import { artifactName, type ArtifactRef } from '../store/artifact.js';
import type { AnyStep } from './contract.js';

/**
 * The run plan: steps in order, and repeat nodes that run a body of steps
 * several times (the follow-up/standardize cycles of docs/method.md §8). The
 * runner executes any plan generically; what a repeat means is declared here.
 */

/** One pass of a repeat node, as its ledger records it. */
export interface Iteration {
  index: number;
  finished: boolean;
  /** Body steps that finished in this iteration. */
  completed: readonly string[];
  /** What the iteration reports (shown when it is skipped as already done). */
  counts: Record<string, number>;
}

/**
 * Where a repeat node keeps its iterations in the run state. Owned by the area
 * whose data the iterations are (follow-up keeps `state.cycles`).
 */
export interface IterationLedger {
  iterations(state: Readonly<RunState>): readonly Iteration[];
  start(state: RunState, index: number): void;
  complete(state: RunState, index: number, stepId: string): void;
  finish(state: RunState, index: number): void;
  /** Forget every iteration: the series starts over. */
  clear(state: RunState): void;
}

export interface RepeatNode {
  kind: 'repeat';
  id: string;
  /** What one iteration is called in messages ("cycle"). */
  label: string;
  /** Steps of one iteration, in order. */
  body: readonly AnyStep[];
  /**
   * Artifacts that accumulate over iterations (rows carry their iteration):
   * moved aside only when the series starts over. A body step writing one of
   * them runs once per iteration; other body steps run when stale.
   */
  resets: readonly ArtifactRef[];
  /** Iterations wanted when the caller does not say. */
  defaultTimes: number;
  ledger: IterationLedger;
  /** Why nothing ran when zero iterations are wanted. */
  noneWanted: string;
  /** Body steps chosen for this invocation (all when undefined). */
  only?: ReadonlySet<string>;
}

export type PlanNode = AnyStep | RepeatNode;

export function isRepeat(node: PlanNode): node is RepeatNode {
  return (node as RepeatNode).kind === 'repeat';
}

export function repeat(node: Omit<RepeatNode, 'kind' | 'only'>): RepeatNode {
  return { kind: 'repeat', ...node };
}

/** Body steps that run once per iteration (they write an accumulating artifact). */
export function perIterationSteps(node: RepeatNode): AnyStep[] {
  const own = node.resets.map(artifactName);
  return node.body.filter((step) => step.writes.some((ref) => own.includes(artifactName(ref))));
}

/** Every step the plan runs, once, in first-appearance order (a restricted repeat only its chosen body steps). */
export function planSteps(plan: readonly PlanNode[]): AnyStep[] {
  const out: AnyStep[] = [];
  for (const node of plan) {
    const steps = isRepeat(node) ? node.body.filter((step) => !node.only || node.only.has(step.id)) : [node];
    for (const step of steps) if (!out.includes(step)) out.push(step);
  }
  return out;
}

/**
 * The plan restricted to `chosen` steps. A repeat stays when any of its body
 * steps is chosen, so a chosen body step that also stands alone still sees the
 * series it belongs to.
 */
export function restrictPlan(plan: readonly PlanNode[], chosen: readonly AnyStep[]): PlanNode[] {
  const out: PlanNode[] = [];
  for (const node of plan) {
    if (!isRepeat(node)) {
      if (chosen.includes(node)) out.push(node);
      continue;
    }
    const only = node.body.filter((step) => chosen.includes(step)).map((step) => step.id);
    if (only.length) out.push({ ...node, only: new Set(only) });
  }
  return out;
}
