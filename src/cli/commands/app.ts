import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { launchApp, isInteractive } from '../../ui/launch.js';
import { readLastRun } from '../../ui/lastRun.js';
import { Run } from '../../pipeline/store/run.js';
import { UserError } from '../../pipeline/util/errors.js';
import { action, DEFAULT_RUN_DIR, makeEnv, runDirOption } from '../common.js';
import { runHeadless } from './run.js';
import { formatStatus } from './status.js';

export const DEMO_RUN_DIR = 'runs/sample';

/**
 * `cxrvqa` alone opens the app in a terminal (the last run, or the wizard);
 * piped or in CI it prints the status of the last/default run, or the help.
 * `cxrvqa open --run DIR` opens a given run; `cxrvqa demo` the bundled sample.
 */
export function registerApp(program: Command): void {
  program.argument('[command]', 'a command (see below); none opens the app').action(
    action(async (command?: string) => {
      if (command) throw new UserError(`Unknown command "${command}".`, 'See `cxrvqa --help` for the commands.');
      if (isInteractive()) return launchApp({ env: makeEnv() });
      const dir = readLastRun() ?? (fs.existsSync(path.join(DEFAULT_RUN_DIR, 'state.json')) ? DEFAULT_RUN_DIR : null);
      if (!dir) {
        process.stdout.write(program.helpInformation());
        return;
      }
      const run = await Run.open(dir, { readOnly: true });
      try {
        process.stdout.write(formatStatus(run) + '\n');
      } finally {
        await run.close();
      }
    }),
  );

  program
    .command('open')
    .description('open a run in the terminal app (plain status when not a terminal)')
    .addOption(runDirOption())
    .option('--confirm <what>', 'give a confirmation for this session (repeatable)', (v: string, p: string[] = []) => [...p, v])
    .action(
      action(async (flags: { run: string; confirm?: string[] }) => {
        if (isInteractive()) return launchApp({ runDir: flags.run, env: makeEnv(flags.confirm) });
        const run = await Run.open(flags.run, { readOnly: true });
        try {
          process.stdout.write(formatStatus(run) + '\n');
        } finally {
          await run.close();
        }
      }),
    );

  program
    .command('demo')
    .description('open (or create) a run on the bundled sample with the rules backend; headless when not a terminal')
    .option('--run <dir>', 'run folder', DEMO_RUN_DIR)
    .action(
      action(async (flags: { run: string }) => {
        if (isInteractive()) return launchApp({ runDir: flags.run, demo: true, env: makeEnv() });
        return runHeadless({ run: flags.run, sample: true, backend: 'rules' });
      }),
    );
}
