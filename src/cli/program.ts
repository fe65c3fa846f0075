import { Command, type OutputConfiguration } from 'commander';
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

/** The `cxrvqa` command tree. Settings are applied before the commands register so every subcommand inherits them. */
export function createProgram(options: ProgramOptions = {}): Command {
  const program = new Command();
  program
    .name('cxrvqa')
    .description('Turn chest X-ray reports into a medical VQA dataset (Medical-CXR-VQA method).')
    .version(readPackageVersion());
  if (options.output) program.configureOutput(options.output);
  if (options.exitOverride) program.exitOverride();
  for (const register of COMMANDS) register(program);
  return program;
}
