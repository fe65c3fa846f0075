import type { Command } from 'commander';
import { registerApp } from './app.js';
import { registerCheck } from './check.js';
import { registerEval } from './eval.js';
import { registerFinetune } from './finetune.js';
import { registerGold } from './gold.js';
import { registerLlm } from './llm.js';
import { registerMetadata } from './metadata.js';
import { registerQuestions } from './questions.js';
import { registerReport } from './report.js';
import { registerRun } from './run.js';
import { registerShard } from './shard.js';
import { registerStats } from './stats.js';
import { registerStatus } from './status.js';

/** Each command lives in its own file and registers itself here. */
export const COMMANDS: Array<(program: Command) => void> = [
  registerApp,
  registerRun,
  registerStatus,
  registerMetadata,
  registerEval,
  registerLlm,
  registerGold,
  registerFinetune,
  registerStats,
  registerCheck,
  registerReport,
  registerShard,
  registerQuestions,
];
