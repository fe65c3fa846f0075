import fs from 'node:fs';
import type { Command } from 'commander';
import {
  adapterProblems,
  finetuneLayout,
  FinetuneParamsSchema,
  isAlive,
  killGroup,
  mergedProblems,
  readServerRecord,
  serverRecordFile,
} from '../../pipeline/index.js';
import { action, currentRunOption, withRun } from '../common.js';

const FILES = [
  'datasetFile',
  'datasetInfo',
  'chatJsonl',
  'trainYaml',
  'deepspeedConfig',
  'mergeYaml',
  'chatTemplate',
] as const;
const NOT_YET = '(not yet)';
const NOT_YET_NOTE = `${NOT_YET}: the file is written by the finetune step (cxrvqa run --steps gold,finetune)`;

/** One file of the layout; one that does not exist yet says so, rather than a path that looks ready to use. */
function fileLine(label: string, file: string): string {
  return `${label.padEnd(15)}${file}${fs.existsSync(file) ? '' : `  ${NOT_YET}`}`;
}

/**
 * `cxrvqa finetune files|stop-server`. Training, merging and serving run as
 * the `finetune` and `serve` steps (`cxrvqa run --steps gold,finetune,serve`).
 */
export function registerFinetune(program: Command): void {
  const ft = program
    .command('finetune')
    .description(
      'fine-tuning files, commands and the vLLM server of a run (the work itself: cxrvqa run --steps gold,finetune,serve)',
    );

  ft.command('files')
    .description('print the fine-tuning files, the commands to run by hand and what is done')
    .addOption(currentRunOption())
    .action(
      action(async (flags: { run: string }) => {
        await withRun(flags.run, { readOnly: true }, async (run) => {
          const p = FinetuneParamsSchema.parse(run.state.steps.finetune?.params ?? {});
          const l = finetuneLayout(run.dir, p);
          const trained = adapterProblems(l.outputDir);
          const merged = mergedProblems(l.exportDir);
          const server = readServerRecord(run.dir);
          process.stdout.write(
            [
              fileLine('dataset', l.datasetFile),
              fileLine('dataset_info', l.datasetInfo),
              fileLine('openai chat', l.chatJsonl),
              fileLine('train config', l.trainYaml),
              fileLine('deepspeed', l.deepspeedConfig),
              fileLine('merge config', l.mergeYaml),
              fileLine('chat template', l.chatTemplate),
              ...(FILES.some((k) => !fs.existsSync(l[k])) ? [NOT_YET_NOTE] : []),
              '',
              `train:  llamafactory-cli train ${l.trainYaml}    ${trained.length ? `not done (${trained[0]})` : 'done'}`,
              `merge:  llamafactory-cli export ${l.mergeYaml}    ${merged.length ? `not done (${merged[0]})` : 'done'}`,
              `server: ${server ? `${server.baseUrl} ${server.model} pid ${server.pid ?? '?'} ${server.pid && isAlive(server.pid) ? 'running' : 'not running'}` : 'not started'}`,
            ].join('\n') + '\n',
          );
        });
      }),
    );

  ft.command('stop-server')
    .description('stop the vLLM server the serve step started')
    .addOption(currentRunOption())
    .action(
      action(async (flags: { run: string }) => {
        await withRun(flags.run, { readOnly: true }, async (run) => {
          const rec = readServerRecord(run.dir);
          if (!rec?.pid || !isAlive(rec.pid)) {
            process.stdout.write(`No running server recorded in ${serverRecordFile(run.dir)}.\n`);
            return;
          }
          killGroup(rec.pid, 10_000);
          process.stdout.write(`Stopping vLLM (pid ${rec.pid}, ${rec.baseUrl}).\n`);
        });
      }),
    );
}
