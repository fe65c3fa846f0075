import { Option, type Command } from 'commander';
import { applyConfig, applyParams, corpusConfigFrom, parseParamOverrides, parseParamUnsets, type CorpusFlags } from '../../pipeline/runner/configure.js';
import { DEFAULT_CYCLES } from '../../pipeline/followup/cycles.js';
import { runPipeline } from '../../pipeline/runner/runner.js';
import { planFor, STEPS } from '../../pipeline/steps/registry.js';
import type { AnyStep } from '../../pipeline/steps/contract.js';
import { UserError } from '../../pipeline/util/errors.js';
import { createLineReporter } from '../lineReporter.js';
import { action, collect, installInterrupt, makeEnv, runDirOption, withRun } from '../common.js';
import { addLlmRunOptions, applyLlmFlags } from './llm.js';
import type { LlmSettings } from '../../pipeline/llm/settings.js';

export interface RunFlags extends LlmSettings, CorpusFlags {
  run: string;
  steps?: string;
  backend?: 'rules' | 'llm';
  cycles?: string;
  force?: boolean;
  set?: string[];
  unset?: string[];
  confirm?: string[];
}

export function addRunOptions(cmd: Command): Command {
  return addLlmRunOptions(
    cmd
    .addOption(runDirOption())
    .option('--steps <ids>', 'comma-separated step ids to run (default: all that apply)')
    .option('--sample', 'use the bundled synthetic sample corpus')
    .option('--corpus <path>', 'corpus: a MIMIC-CXR files/ tree, a CSV or a JSONL file')
    .option('--format <kind>', 'corpus format: mimic | mimic-jpg | csv | jsonl (guessed when omitted)')
    .option('--metadata <path>', 'MIMIC metadata CSV, or the MIMIC-CXR-JPG folder with chexpert/metadata/split CSVs')
    .option('--column <field=col>', 'CSV column mapping, e.g. text=findings,impression (repeatable)', collect)
    .option('--credentialed', 'mark the corpus as credentialed data (default for MIMIC)')
    .option('--no-credentialed', 'mark the corpus as not credentialed')
    .addOption(new Option('--backend <name>', 'extraction backend').choices(['rules', 'llm']))
    .option('--cycles <n>', `follow-up cycles wanted in total: alternate follow-up and standardize (default ${DEFAULT_CYCLES}; 0 skips follow-up)`)
    .option('--force', 're-run steps that are already done')
    .option('--set <step.param=value>', 'set a step parameter (repeatable; kept in the run)', collect)
    .option('--unset <step.param>', 'reset a step parameter to its default (repeatable)', collect)
    .option('--confirm <what>', 'give a confirmation for this invocation: azure-data-use, public-openai, public-endpoint (repeatable)', collect),
  );
}

export function selectSteps(ids: string | undefined): AnyStep[] {
  if (!ids) return STEPS;
  const wanted = ids.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = wanted.filter((id) => !STEPS.some((s) => s.id === id));
  if (unknown.length) throw new UserError(`Unknown step(s): ${unknown.join(', ')}. Steps: ${STEPS.map((s) => s.id).join(', ')}`);
  return STEPS.filter((s) => wanted.includes(s.id));
}

/** `--cycles N`; undefined without the flag, so the pipeline's own default applies (the app does the same). */
export function parseCycles(flag: string | undefined): number | undefined {
  if (flag === undefined) return undefined;
  const cycles = Number(flag);
  if (!Number.isInteger(cycles) || cycles < 0) throw new UserError(`--cycles expects a whole number, got "${flag}"`);
  return cycles;
}

/** Configure the run from flags and run the chosen steps headless with line logs. */
export async function runHeadless(flags: RunFlags, write: (line: string) => void = (l) => process.stderr.write(l + '\n')): Promise<number> {
  const steps = selectSteps(flags.steps);
  const corpus = corpusConfigFrom(flags);
  const overrides = parseParamOverrides(flags.set ?? [], STEPS);
  const removals = parseParamUnsets(flags.unset ?? [], STEPS);
  const cycles = parseCycles(flags.cycles);
  return withRun(flags.run, { create: true }, async (run) => {
    if (corpus) await applyConfig(run, { corpus });
    if (flags.backend) await applyConfig(run, { backend: flags.backend });
    await applyLlmFlags(run, flags);
    if (!run.state.config.corpus) throw new UserError('This run has no corpus yet.', 'Pass --sample, or --corpus PATH [--format ...].');
    await applyParams(run, STEPS, overrides, removals);
    const interrupt = installInterrupt();
    try {
      const outcome = await runPipeline(run, planFor(steps), {
        signal: interrupt.signal,
        env: makeEnv(flags.confirm, undefined),
        onEvent: createLineReporter(write),
        force: flags.force,
        cycles,
      });
      write(`run ${outcome}: ${run.dir}`);
      return outcome === 'done' ? 0 : outcome === 'interrupted' ? 130 : 1;
    } finally {
      interrupt.dispose();
    }
  });
}

export function registerRun(program: Command): void {
  addRunOptions(program.command('run').description('run pipeline steps in order, headless (plain line logs)')).action(
    action(async (flags: RunFlags) => runHeadless(flags)),
  );
}
