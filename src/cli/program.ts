import { Command, CommanderError, type OutputConfiguration } from 'commander';
import { COMMANDS } from './commands/index.js';
import { readPackageVersion } from './version.js';

export interface ProgramOptions {
  /** Where commander's own text (help, version, usage errors) goes; the process streams when omitted. */
  output?: OutputConfiguration;
  /**
   * Throw a `CommanderError` instead of exiting the process after help, `--version` or a usage error, so the
   * program can run inside another process (the in-process CLI test harness).
   */
  exitOverride?: boolean;
}

/** Exit status of a command line the parser refused: the same as an unknown command or any other user error. */
export const EXIT_USAGE = 2;

const USAGE_ERRORS = new Set([
  'commander.unknownOption',
  'commander.unknownCommand',
  'commander.excessArguments',
  'commander.missingArgument',
  'commander.optionMissingArgument',
  'commander.missingMandatoryOptionValue',
  'commander.invalidArgument',
  'commander.conflictingOption',
]);

/** The `cxrvqa` command tree. Settings are applied before the commands register so every subcommand inherits them. */
export function createProgram(options: ProgramOptions = {}): Command {
  const program = new Command();
  program
    .name('cxrvqa')
    .description('Turn chest X-ray reports into a medical VQA dataset (Medical-CXR-VQA method).')
    .version(readPackageVersion())
    // Read by ./colour.ts before the program exists; declared so every command accepts it.
    .option('--no-color', 'no colours in the terminal app (also NO_COLOR=1)');
  if (options.output) program.configureOutput(options.output);
  // Before the commands register, so each inherits it.
  program.exitOverride((err) => {
    const code = USAGE_ERRORS.has(err.code) ? EXIT_USAGE : err.exitCode;
    if (options.exitOverride) throw new CommanderError(code, err.code, err.message);
    process.exit(code);
  });
  for (const register of COMMANDS) register(program);
  return program;
}
