import type { Command } from 'commander';
import { registerRun } from './run.js';
import { registerStatus } from './status.js';

/** Each command lives in its own file and registers itself here. */
export const COMMANDS: Array<(program: Command) => void> = [registerRun, registerStatus];
