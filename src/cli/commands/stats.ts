import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { DATASET_DIR } from '../../pipeline/questions/step.js';
import { QaPairSchema, type QaPair } from '../../pipeline/questions/schema.js';
import { computeStats, formatStatsTable, type DatasetStats } from '../../pipeline/questions/stats.js';
import type { Run } from '../../pipeline/store/run.js';
import { UserError } from '../../pipeline/util/errors.js';
import { action, runDirOption, withRun } from '../common.js';

/** The dataset statistics the questions step saved, or computed from the questions artifact. */
export async function loadStats(run: Run, recompute = false): Promise<DatasetStats> {
  const file = path.join(run.dir, DATASET_DIR, 'stats.json');
  if (!recompute && fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as DatasetStats;
  const art = run.artifact<QaPair>('questions', QaPairSchema);
  if (!art.exists()) throw new UserError(`No questions in ${run.dir}.`, 'Run the questions step first: cxrvqa run --steps questions');
  const pairs: QaPair[] = [];
  for await (const p of art.lines()) pairs.push(p);
  return computeStats(pairs);
}

export function registerStats(program: Command): void {
  program
    .command('stats')
    .description('dataset statistics per question type, beside the released dataset')
    .addOption(runDirOption())
    .option('--json', 'print JSON')
    .option('--recompute', 'recompute from the questions artifact instead of the saved stats.json')
    .action(
      action(async (flags: { run: string; json?: boolean; recompute?: boolean }) => {
        const stats = await withRun(flags.run, { readOnly: true }, (run) => loadStats(run, flags.recompute));
        process.stdout.write(flags.json ? JSON.stringify(stats, null, 2) + '\n' : formatStatsTable(stats) + '\n');
      }),
    );
}
