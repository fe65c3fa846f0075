import type { z } from 'zod';
import type { RunConfig } from '../schemas/state.js';
import type { AnyArtifact, ArtifactRef } from '../store/artifact.js';
import type { Run } from '../store/run.js';
import type { OfflineHandOff } from '../llm/batchApi/offline.js';

/**
 * The step contract: every pipeline step implements it; the headless runner and
 * the Ink app both drive steps only through it.
 */

export type ItemOutcome = 'ok' | 'skipped' | 'failed' | 'retried' | 'cached';

/** What a step reports while it works. */
export type StepEvent =
  | { type: 'progress'; done: number; total: number | null; counters?: Record<string, number> }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'item'; key: string; outcome: ItemOutcome; reason?: string }
  | { type: 'usage'; tokensIn: number; tokensOut: number; costUsd: number }
  /** A named series point, e.g. training loss per step. */
  | { type: 'metric'; name: string; x: number; y: number };

/** How a step (or a whole plan) ended in one invocation. */
export type StepOutcome = 'done' | 'failed' | 'interrupted' | 'skipped';

/** What the runner adds before passing events on to the UI or the line logger. */
export type RunnerEvent =
  | { type: 'step-start'; stepId: string; mode: RunMode; title: string }
  | { type: 'step-event'; stepId: string; event: StepEvent; progress: ProgressSnapshot }
  | {
      type: 'step-end';
      stepId: string;
      status: StepOutcome;
      summary: string;
      /** Set when the step finished with a warning (its reason and fix); `status` stays `done`. */
      warning?: string;
      error?: string;
      /** Stack of an internal failure (not of a UserError): headless prints it. */
      stack?: string;
      /** The step's log file, where failures are kept with their stacks. */
      logFile?: string;
      counts: Record<string, number>;
    };

export interface ProgressSnapshot {
  done: number;
  total: number | null;
  /** Items per second over the recent window. */
  rate: number;
  etaSeconds: number | null;
  elapsedSeconds: number;
  counters: Record<string, number>;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
}

/** fresh: outputs are reset before the step runs; resume: finished work is kept and skipped. */
export type RunMode = 'fresh' | 'resume';

/** Per-invocation options that are never stored (confirmations, overrides, secrets stay out of state). */
export interface RunEnv {
  /** Confirmations given on this invocation, e.g. `azure-data-use`, `public-openai-override`. */
  confirmations: ReadonlySet<string>;
  /** Environment for key lookups (defaults to process.env). */
  env: NodeJS.ProcessEnv;
  /**
   * The iteration of a repeat node the step runs in (the follow-up cycle): 0 for
   * the base pass before the first iteration; undefined outside a plan.
   */
  cycle?: number;
  /** Largest share of an LLM step's items that may fail before the step ends failed (default 1%). */
  maxFailed?: number;
  /** Answers come from imported offline shards; unanswered requests are handed off (cxrvqa shard / import). */
  offline?: OfflineHandOff;
}

export interface StepContext<P> {
  run: Run;
  params: P;
  mode: RunMode;
  signal: AbortSignal;
  env: RunEnv;
  emit(event: StepEvent): void;
}

export interface StepResult {
  counts: Record<string, number>;
  summary: string;
  /**
   * The step finished but its output is not usable as it stands (>0 inputs gave 0 outputs): the reason
   * and the fix. The runner keeps it in the step state (display status `warning`); later steps still run.
   */
  warning?: string | null;
}

/**
 * The one wording of the zero-output warning: null unless `input` > 0 items gave 0 `output`.
 * `what` names both sides ("of 12 records, 0 ingested"), `fix` says what to change.
 */
export function zeroOutputWarning(input: number, output: number, what: string, fix: string): string | null {
  if (input <= 0 || output > 0) return null;
  return `${what}. Fix: ${fix}`;
}

export interface Applicability {
  ok: boolean;
  reason?: string;
}

export interface Step<S extends z.ZodType<Record<string, unknown>> = z.ZodType<Record<string, unknown>>> {
  id: string;
  title: string;
  description: string;
  /** zod schema of the params, with defaults: `params.parse({})` gives the defaults. */
  params: S;
  /** Artifacts read and written (used for staleness and the notebook view). */
  reads: readonly ArtifactRef[];
  writes: readonly ArtifactRef[];
  /** Run-config sections the step depends on; changing them makes the step stale like a param change. */
  configKeys?: readonly ('corpus' | 'backend' | 'llm')[];
  /**
   * The part of the run config the step's output depends on, when that is narrower
   * than whole `configKeys` sections (e.g. the model and prompt, not the concurrency),
   * or includes files the params name (a prompt's text).
   */
  configFingerprint?(config: RunConfig, params: z.infer<S>): unknown;
  /**
   * The step's output depends on the run's `style` (release | improved): changing it makes the
   * step stale. The default style adds nothing to the fingerprint, so older runs stay current.
   */
  usesStyle?: boolean;
  /**
   * Inputs that must exist before the step starts, for this config; the runner
   * checks them and names the step that makes a missing one. None when omitted.
   */
  requires?(config: RunConfig): readonly AnyArtifact[];
  /** Whether the step belongs in a run with this config (e.g. gold needs an LLM endpoint). */
  applies?(run: Run): Applicability;
  /** Checks of the step's own inputs just before its work starts (after `requires` and `checkConfig`). */
  preflight?(ctx: StepContext<z.infer<S>>): Promise<void>;
  /**
   * Checks of settings that need nothing from earlier steps (endpoints, keys, the
   * data-use guard, prompt files). The pipeline runs them for every planned step
   * before the first step starts, so a bad setting is reported before hours of
   * work; the runner runs them once per invocation (never again in preflight).
   */
  checkConfig?(ctx: StepContext<z.infer<S>>): Promise<void>;
  /** Whether the step sends LLM requests under this config: the notebook and `status` then show its engine. */
  usesLlm?(config: RunConfig): boolean;
  /** Config sections the step writes (serve records its endpoint): later steps' early checks wait for it. */
  changesConfig?: readonly ('corpus' | 'backend' | 'llm')[];
  run(ctx: StepContext<z.infer<S>>): Promise<StepResult>;
  /** One line describing the step's current output, for the notebook view. */
  preview?(run: Run): Promise<string>;
}

export type AnyStep = Step<z.ZodType<Record<string, unknown>>>;

/**
 * Erase a step's param type for the registry. Steps are typed against their own
 * params; the runner only hands them params their schema parsed, so the cast is sound.
 */
export function defineStep<S extends z.ZodType<Record<string, unknown>>>(step: Step<S>): AnyStep {
  return step as unknown as AnyStep;
}
