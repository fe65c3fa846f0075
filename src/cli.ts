#!/usr/bin/env node
import { Command } from 'commander';
import { COMMANDS } from './cli/commands/index.js';
import { readPackageVersion } from './cli/version.js';

const program = new Command();
program
  .name('cxrvqa')
  .description('Turn chest X-ray reports into a medical VQA dataset (Medical-CXR-VQA method).')
  .version(readPackageVersion());
for (const register of COMMANDS) register(program);
await program.parseAsync(process.argv);
