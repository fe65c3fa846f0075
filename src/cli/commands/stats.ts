import type { Command } from 'commander';
import { loadDatasetStats } from '../../pipeline/index.js';
import { outputWidth } from '../../present/layout.js';
import { formatStatsFitted } from '../statsTable.js';
import { action, currentRunOption, withRun } from '../common.js';

export function registerStats(program: Command): void {
  program
    .command('stats')
    .description('dataset statistics per question type, beside the released dataset')
    .addOption(currentRunOption())
    .option('--json', 'print JSON')
    .option('--recompute', 'recompute from the questions artifact instead of the saved stats.json')
    .action(
      action(async (flags: { run: string; json?: boolean; recompute?: boolean }) => {
        const stats = await withRun(flags.run, { readOnly: true }, (run) =>
          loadDatasetStats(run, { recompute: flags.recompute }),
        );
        process.stdout.write(
          flags.json ? JSON.stringify(stats, null, 2) + '\n' : formatStatsFitted(stats, outputWidth()) + '\n',
        );
      }),
    );
}
