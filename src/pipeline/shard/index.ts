import path from 'node:path';
import { AnswerStore } from '../llm/batchApi/answers.js';
import type { OfflineHandOff } from '../llm/batchApi/offline.js';
import { decodingParams } from '../llm/index.js';
import { resolveProfile } from '../llm/config.js';
import { recoverInterrupted, runStep } from '../runner/runStep.js';
import type { RunnerEvent, RunEnv, StepOutcome } from '../steps/contract.js';
import { findStep } from '../steps/registry.js';
import type { Run } from '../store/run.js';
import { UserError } from '../util/errors.js';
import { importShardSet, type ImportReport } from './import.js';
import type { ShardManifest } from './manifest.js';
import { runBatchArgs } from './vllmArgs.js';
import { writeShardSet, type SlurmOptions } from './write.js';

export type { ImportReport, ShardImport, ShardState } from './import.js';
export type { ShardManifest } from './manifest.js';
export type { SlurmOptions } from './write.js';

/**
 * `cxrvqa shard` and `cxrvqa import`: the stage's step runs on the batch engine
 * offline. What it asks and has no answer for is written as a shard set (shard)
 * or reported missing (import); the step then stops as interrupted and picks up
 * where it stopped once the answers are imported.
 */

export const SHARD_STAGES = ['extract', 'followup'] as const;
export type ShardStage = (typeof SHARD_STAGES)[number];

interface Common {
  env: RunEnv;
  signal: AbortSignal;
  onEvent?: (e: RunnerEvent) => void;
}

export interface ShardOptions extends Common {
  stage: ShardStage;
  shards: number;
  out: string;
  /** The follow-up cycle (default 1). */
  cycle?: number;
  /** Import this shard set first, so only what it lacks is written. */
  missingFrom?: string;
  modelPath?: string;
  tensorParallel?: number;
  slurm?: Partial<SlurmOptions>;
}

export interface ShardResult {
  outcome: StepOutcome;
  /** Null when nothing was left to ask. */
  manifest: ShardManifest | null;
  previous: ImportReport | null;
}

function importInto(run: Run, dir: string): ImportReport {
  const profile = resolveProfile(run.state.config);
  const store = new AnswerStore(path.join(run.dir, 'llm-batch'));
  try {
    return importShardSet(dir, store, profile.whitespaceLimit);
  } finally {
    store.close();
  }
}

async function runOffline(
  run: Run,
  stage: string,
  cycle: number | undefined,
  o: Common,
  handOff: OfflineHandOff,
): Promise<StepOutcome> {
  if (run.state.config.backend !== 'llm')
    throw new UserError(
      `This run uses the ${run.state.config.backend} backend: its ${stage} step asks no model.`,
      'Switch it with: cxrvqa run --backend llm --steps ingest (and set the model: cxrvqa llm set --model NAME).',
    );
  const step = findStep(stage);
  if (!step) throw new UserError(`Unknown stage "${stage}".`, `Stages: ${SHARD_STAGES.join(', ')}.`);
  await recoverInterrupted(run);
  return runStep(run, step, {
    signal: o.signal,
    env: { ...o.env, offline: handOff, ...(cycle !== undefined ? { cycle } : {}) },
    ...(o.onEvent ? { onEvent: o.onEvent } : {}),
  });
}

export async function shardStage(run: Run, o: ShardOptions): Promise<ShardResult> {
  if (!Number.isInteger(o.shards) || o.shards < 1)
    throw new UserError(`--shards expects a whole number of at least 1, got ${o.shards}.`);
  const profile = resolveProfile(run.state.config);
  if (!profile.model)
    throw new UserError(
      'No model is configured: the shards name the model they are for.',
      'cxrvqa llm set --model NAME',
    );
  const model = profile.model;
  const previous = o.missingFrom ? importInto(run, o.missingFrom) : null;
  const cycle = o.stage === 'followup' ? (o.cycle ?? 1) : undefined;
  const { args } = runBatchArgs(run, model, { modelPath: o.modelPath, tensorParallel: o.tensorParallel ?? 1 });
  let manifest: ShardManifest | null = null;
  const outcome = await runOffline(run, o.stage, cycle, o, {
    handOff: async (file, stage, requests) => {
      manifest = writeShardSet(file, {
        out: o.out,
        shards: o.shards,
        run: run.dir,
        stage,
        cycle: cycle ?? null,
        model,
        vllmArgs: args,
        decoding: { ...decodingParams(profile) },
        slurm: {
          gpus: o.slurm?.gpus ?? o.tensorParallel ?? 1,
          time: o.slurm?.time ?? '24:00:00',
          partition: o.slurm?.partition ?? null,
        },
      });
      return `${requests} requests written to ${o.out} as ${manifest.shards.length} shards; run them (sbatch ${path.join(o.out, 'run.sbatch')}, or sh ${path.join(o.out, 'run.sh')}), then: cxrvqa import ${o.out} --run ${run.dir}`;
    },
  });
  return { outcome, manifest, previous };
}

export interface ImportResult {
  report: ImportReport;
  outcome: StepOutcome;
  /** Requests the step still has no answer for (0 when the step finished). */
  stillMissing: number;
}

export async function importShards(run: Run, dir: string, o: Common): Promise<ImportResult> {
  const report = importInto(run, dir);
  let stillMissing = 0;
  const stage = report.manifest.stage.startsWith('followup') ? 'followup' : report.manifest.stage;
  const outcome = await runOffline(run, stage, report.manifest.cycle ?? undefined, o, {
    handOff: async (_file, _stage, requests) => {
      stillMissing = requests;
      return `${requests} requests still have no answer; write them as a new shard set: cxrvqa shard --stage ${stage} --missing-from ${dir} --out NEW_DIR --run ${run.dir}`;
    },
  });
  return { report, outcome, stillMissing };
}
