import type { Command } from 'commander';
import { writeRunReport } from '../../pipeline/index.js';
import { action, currentRunOption, withRun } from '../common.js';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description(
      'write a self-contained HTML (and Markdown) report of a run: steps, statistics, evaluation, cycles, samples',
    )
    .addOption(currentRunOption())
    .option('--out <file>', 'HTML file to write (the Markdown goes beside it); default <run>/report/report.html')
    .action(
      action(async (flags: { run: string; out?: string }) => {
        const written = await withRun(flags.run, { readOnly: true }, (run) => writeRunReport(run, flags.out));
        process.stdout.write(`${written.html}\n${written.markdown}\n`);
      }),
    );
}
