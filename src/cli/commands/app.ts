import type { Command } from 'commander';
import { isInteractive } from '../../ui/terminal.js';
import type { LaunchOptions } from '../../ui/launch.js';
import { hasRun, readLastRun, writeLastRun } from '../../ui/lastRun.js';
import { Run, UserError } from '../../pipeline/index.js';
import { action, DEFAULT_RUN_DIR, makeEnv, runDirOption } from '../common.js';
import { runHeadless } from './run.js';
import { formatStatus } from './status.js';

export const DEMO_RUN_DIR = 'runs/sample';

/** The app, loaded only when it opens: Ink and the screens are most of a command's start-up time. */
async function launchApp(o: LaunchOptions): Promise<number> {
  return (await import('../../ui/launch.js')).launchApp(o);
}

/**
 * `cxrvqa` alone opens the app in a terminal (the last run, or the wizard);
 * piped or in CI it prints the status of the last/default run, or the help.
 * `cxrvqa open --run DIR` opens a given run; `cxrvqa demo` the bundled sample.
 */
export function registerApp(program: Command): void {
  // The root takes a hidden argument so a mistyped command is reported as such (with a
  // suggestion) instead of commander's "unknown option" for the options that follow it.
  // Commander leaves out its `help [command]` when the root has an action of its own: ask for it.
  program.helpCommand('help [command]', 'print the help of a command (or of cxrvqa)');
  program
    .usage('[options] [command]')
    .argument('[command]')
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .action(
      action(async (command?: string) => {
        if (command) {
          const names = program.commands.map((c) => c.name());
          const near = closest(command, names);
          throw new UserError(
            `Unknown command "${command}".${near ? ` Did you mean "${near}"?` : ''}`,
            'See `cxrvqa --help` for the commands.',
          );
        }
        if (isInteractive()) return launchApp({ env: makeEnv() });
        const dir = readLastRun() ?? (hasRun(DEFAULT_RUN_DIR) ? DEFAULT_RUN_DIR : null);
        if (!dir) {
          process.stdout.write(program.helpInformation());
          return;
        }
        await printStatus(dir);
      }),
    );

  program
    .command('new')
    .description('start another run: the setup wizard in the terminal app (corpus, backend, run folder)')
    .option('--run <dir>', 'the run folder the wizard suggests (default runs/default)')
    .action(
      action(async (flags: { run?: string }) => {
        if (flags.run && hasRun(flags.run))
          throw new UserError(`${flags.run} already holds a run.`, `Open it: cxrvqa open --run ${flags.run}`);
        if (!isInteractive()) throw noTerminalForWizard(flags.run, false);
        return launchApp({ runDir: flags.run, wizard: true, env: makeEnv() });
      }),
    );

  program
    .command('open')
    .description(
      'open a run in the terminal app (plain status when not a terminal); a folder without a run starts the wizard',
    )
    .addOption(runDirOption())
    .option('--confirm <what>', 'give a confirmation for this session (repeatable)', (v: string, p: string[] = []) => [
      ...p,
      v,
    ])
    .action(
      action(async (flags: { run: string; confirm?: string[] }) => {
        const exists = hasRun(flags.run);
        if (isInteractive()) return launchApp({ runDir: flags.run, wizard: !exists, env: makeEnv(flags.confirm) });
        if (!exists) throw noTerminalForWizard(flags.run, true);
        writeLastRun(flags.run);
        await printStatus(flags.run);
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

/** The wizard needs a terminal; say how to start a run without one. */
function noTerminalForWizard(dir: string | undefined, opened: boolean): UserError {
  const where = dir ?? DEFAULT_RUN_DIR;
  return new UserError(
    `${opened ? `${where} holds no run yet, and the` : 'The'} setup wizard needs a terminal.`,
    `Start the run headless: cxrvqa run --corpus PATH --run ${where} (or --sample), then cxrvqa open --run ${where}.`,
  );
}

/** The command name within edit distance 2 of what was typed, if any. */
export function closest(typed: string, names: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = 3;
  for (const name of names) {
    const d = editDistance(typed, name);
    if (d < bestD) {
      bestD = d;
      best = name;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** The plain status of a run (no terminal app: piped, CI). */
async function printStatus(dir: string): Promise<void> {
  const run = await Run.open(dir, { readOnly: true });
  try {
    process.stdout.write(formatStatus(run) + '\n');
  } finally {
    await run.close();
  }
}
