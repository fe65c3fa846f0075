import type { Command } from 'commander';
import { readDatasetChecks, runStep, STEPS, UserError } from '../../pipeline/index.js';
import { alignTable, BIAS_HEADER, biasRows, checkLines } from '../../present/checks.js';
import { createLineReporter } from '../lineReporter.js';
import { action, installInterrupt, makeEnv, currentRunOption, withRun } from '../common.js';

/** `cxrvqa check`: re-runs the dataset checks on a run's questions; exits 1 when any pair breaks a rule. */
export function registerCheck(program: Command): void {
  program
    .command('check')
    .description(
      'check every QA pair against its KeyInfo and metadata, report answer bias, write Parquet and the dataset card',
    )
    .addOption(currentRunOption())
    .option('--json', 'print the check and bias results as JSON')
    .action(
      action(async (flags: { run: string; json?: boolean }) => {
        const step = STEPS.find((s) => s.id === 'check')!;
        return withRun(flags.run, {}, async (run) => {
          const interrupt = installInterrupt();
          try {
            const outcome = await runStep(run, step, {
              signal: interrupt.signal,
              env: makeEnv(),
              force: true,
              onEvent: createLineReporter((l) => process.stderr.write(l + '\n')),
            });
            if (outcome !== 'done') return outcome === 'interrupted' ? 130 : 1;
          } finally {
            interrupt.dispose();
          }
          const checks = readDatasetChecks(run);
          if (!checks) throw new UserError(`No check results in ${run.dir}.`);
          const text = flags.json
            ? JSON.stringify(checks, null, 2)
            : [...checkLines(checks), '', ...alignTable(BIAS_HEADER, biasRows(checks))].join('\n');
          process.stdout.write(text + '\n');
          return checks.check.violations ? 1 : 0;
        });
      }),
    );
}
