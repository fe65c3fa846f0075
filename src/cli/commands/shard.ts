import { Option, type Command } from 'commander';
import {
  importShards,
  shardStage,
  SHARD_STAGES,
  UserError,
  type ImportReport,
  type ShardStage,
} from '../../pipeline/index.js';
import { action, collect, installInterrupt, makeEnv, runDirOption, withRun } from '../common.js';
import { createLineReporter } from '../lineReporter.js';

/**
 * `cxrvqa shard` writes what a stage still has to ask as shard files for `vllm run-batch`
 * on a cluster (with SLURM and shell scripts); `cxrvqa import` merges their answers back.
 */

interface ShardFlags {
  run: string;
  stage: ShardStage;
  shards: string;
  out: string;
  cycle?: string;
  missingFrom?: string;
  modelPath?: string;
  tensorParallel?: string;
  gpus?: string;
  time?: string;
  partition?: string;
  confirm?: string[];
}

function whole(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`--${name} expects a whole number of at least 1, got "${v}".`);
  return n;
}

function describeImport(r: ImportReport): string[] {
  return r.shards.map((s) => {
    const extra = [
      s.tornLines ? `${s.tornLines} line cut off` : '',
      s.unknownLines ? `${s.unknownLines} lines not of this shard` : '',
      s.badLines ? `${s.badLines} unreadable lines` : '',
    ].filter(Boolean);
    return `shard ${s.index}: ${s.state}, ${s.answered}/${s.requests} answered (${s.imported} new)${extra.length ? `; ${extra.join(', ')}` : ''}`;
  });
}

const write = (l: string) => process.stderr.write(l + '\n');

export function registerShard(program: Command): void {
  program
    .command('shard')
    .description(
      'write what a stage still has to ask as shard files for vllm run-batch (SLURM array and shell scripts)',
    )
    .addOption(runDirOption())
    .addOption(
      new Option('--stage <stage>', 'the stage whose requests to write').choices(SHARD_STAGES).default('extract'),
    )
    .requiredOption('--shards <n>', 'number of request files (one SLURM array task each)')
    .requiredOption('--out <dir>', 'folder for the shard set (must not hold one already)')
    .option('--cycle <n>', 'follow-up cycle (default 1)')
    .option('--missing-from <dir>', 'import this shard set first and write only what it lacks')
    .option('--model-path <path>', "the weights vllm loads (default: the run's merged model, else the model name)")
    .option('--tensor-parallel <n>', 'GPUs per shard (vllm --tensor-parallel-size, default 1)')
    .option('--gpus <n>', 'SLURM --gres=gpu:N per task (default: the tensor-parallel size)')
    .option('--time <hh:mm:ss>', 'SLURM time limit per task (default 24:00:00)')
    .option('--partition <name>', 'SLURM partition')
    .option('--confirm <what>', 'confirmation for this invocation', collect)
    .action(
      action(async (flags: ShardFlags) =>
        withRun(flags.run, {}, async (run) => {
          const interrupt = installInterrupt();
          try {
            const tp = whole('tensor-parallel', flags.tensorParallel);
            const gpus = whole('gpus', flags.gpus);
            const r = await shardStage(run, {
              env: makeEnv(flags.confirm),
              signal: interrupt.signal,
              onEvent: createLineReporter(write),
              stage: flags.stage,
              shards: whole('shards', flags.shards)!,
              out: flags.out,
              ...(flags.cycle ? { cycle: whole('cycle', flags.cycle)! } : {}),
              ...(flags.missingFrom ? { missingFrom: flags.missingFrom } : {}),
              ...(flags.modelPath ? { modelPath: flags.modelPath } : {}),
              ...(tp ? { tensorParallel: tp } : {}),
              slurm: {
                ...(gpus ? { gpus } : {}),
                ...(flags.time ? { time: flags.time } : {}),
                ...(flags.partition ? { partition: flags.partition } : {}),
              },
            });
            if (r.previous) for (const line of describeImport(r.previous)) write(`${flags.missingFrom}: ${line}`);
            if (!r.manifest) {
              process.stdout.write(
                r.outcome === 'done' || r.outcome === 'skipped'
                  ? `nothing to shard: the ${flags.stage} step has every answer it needs\n`
                  : `the ${flags.stage} step ${r.outcome}; no shard set was written\n`,
              );
              return r.outcome === 'failed' ? 1 : r.outcome === 'interrupted' ? 130 : 0;
            }
            const m = r.manifest;
            process.stdout.write(
              `${m.requests} requests in ${m.shards.length} shards (${m.shards.map((s) => s.requests).join(', ')}) in ${flags.out}\n` +
                `run on SLURM:  sbatch ${flags.out}/run.sbatch   or here:  sh ${flags.out}/run.sh\n` +
                `then:          cxrvqa import ${flags.out} --run ${run.dir}\n`,
            );
            return 0;
          } finally {
            interrupt.dispose();
          }
        }),
      ),
    );

  program
    .command('import')
    .description('merge finished shard outputs (any order, any subset, again and again) and continue the stage')
    .argument('<dir>', 'the shard set folder written by cxrvqa shard')
    .addOption(runDirOption())
    .option('--confirm <what>', 'confirmation for this invocation', collect)
    .action(
      action(async (dir: string, flags: { run: string; confirm?: string[] }) =>
        withRun(flags.run, {}, async (run) => {
          const interrupt = installInterrupt();
          try {
            const r = await importShards(run, dir, {
              env: makeEnv(flags.confirm),
              signal: interrupt.signal,
              onEvent: createLineReporter(write),
            });
            for (const line of describeImport(r.report)) process.stdout.write(line + '\n');
            process.stdout.write(
              r.stillMissing
                ? `${r.report.imported} answers imported; ${r.stillMissing} requests still have no answer: cxrvqa shard --stage ${r.report.manifest.stage.replace(/-\d+$/, '')} --missing-from ${dir} --out NEW_DIR --run ${run.dir}\n`
                : `${r.report.imported} answers imported; the ${r.report.manifest.stage} step is ${r.outcome}\n`,
            );
            // Missing answers are the expected state of a partial import, not an error: exit 3 tells scripts.
            return r.outcome === 'failed' ? 1 : r.stillMissing ? 3 : 0;
          } finally {
            interrupt.dispose();
          }
        }),
      ),
    );
}
