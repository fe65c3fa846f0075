import path from 'node:path';
import { Option, type Command } from 'commander';
import {
  type AnyStep,
  applyConfig,
  applyParams,
  corpusConfigFrom,
  type CorpusFlags,
  DEFAULT_CYCLES,
  invocationDataUse,
  type LlmSettings,
  parseMaxFailed,
  parseParamOverrides,
  parseParamUnsets,
  parseStyle,
  planFor,
  remapColumns,
  runPipeline,
  STEPS,
  UserError,
} from '../../pipeline/index.js';
import { createLineReporter } from '../lineReporter.js';
import { action, collect, installInterrupt, makeEnv, runDirOption, withRun } from '../common.js';
import { addLlmRunOptions, applyLlmFlags } from './llm.js';

export interface RunFlags extends LlmSettings, CorpusFlags {
  run: string;
  steps?: string;
  backend?: 'rules' | 'llm';
  cycles?: string;
  force?: boolean;
  set?: string[];
  unset?: string[];
  confirm?: string[];
  maxFailed?: string;
  images?: string;
  style?: string;
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
      .option(
        '--no-credentialed',
        'treat the corpus as not credentialed for this invocation (a MIMIC corpus also needs --confirm not-credentialed; record it with cxrvqa llm set --data-use)',
      )
      .addOption(new Option('--backend <name>', 'extraction backend').choices(['rules', 'llm']))
      .option(
        '--style <style>',
        'dataset shaping: release (as the published dataset) | improved (default; kept in the run)',
      )
      .option(
        '--cycles <n>',
        `follow-up cycles wanted in total: alternate follow-up and standardize (default ${DEFAULT_CYCLES}; 0 skips follow-up)`,
      )
      .option('--force', 're-run steps that are already done')
      .option(
        '--max-failed <share>',
        'an LLM step with more failed items than this (e.g. 5% or 0.05) ends failed, its results kept (default 1%)',
      )
      .option(
        '--images <dir>',
        'a MIMIC-CXR-JPG root: look up each exported image under it and count the missing (sets questions.images)',
      )
      .option('--set <step.param=value>', 'set a step parameter (repeatable; kept in the run)', collect)
      .option('--unset <step.param>', 'reset a step parameter to its default (repeatable)', collect)
      .option(
        '--confirm <what>',
        'give a confirmation for this invocation: azure-data-use, public-openai, public-endpoint, not-credentialed (repeatable)',
        collect,
      ),
  );
}

export function selectSteps(ids: string | undefined): AnyStep[] {
  if (!ids) return STEPS;
  const wanted = ids
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = wanted.filter((id) => !STEPS.some((s) => s.id === id));
  if (unknown.length)
    throw new UserError(`Unknown step(s): ${unknown.join(', ')}. Steps: ${STEPS.map((s) => s.id).join(', ')}`);
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
export async function runHeadless(
  flags: RunFlags,
  write: (line: string) => void = (l) => process.stderr.write(l + '\n'),
): Promise<number> {
  const steps = selectSteps(flags.steps);
  const corpus = corpusConfigFrom(flags);
  // Absolute, so the run finds its images from any working directory.
  const images = flags.images === undefined ? [] : [`questions.images=${path.resolve(flags.images)}`];
  const overrides = parseParamOverrides([...(flags.set ?? []), ...images], STEPS);
  const removals = parseParamUnsets(flags.unset ?? [], STEPS);
  const cycles = parseCycles(flags.cycles);
  const style = flags.style === undefined ? undefined : parseStyle(flags.style);
  const maxFailed = flags.maxFailed === undefined ? undefined : parseMaxFailed(flags.maxFailed);
  const env = { ...makeEnv(flags.confirm, undefined), ...(maxFailed !== undefined ? { maxFailed } : {}) };
  return withRun(flags.run, { create: true }, async (run) => {
    const dataUse = invocationDataUse(corpus, run.state.config.corpus ?? null, flags.credentialed, env.confirmations);
    if (dataUse.warning) write(dataUse.warning);
    if (dataUse.corpus) await applyConfig(run, { corpus: dataUse.corpus });
    // --column alone changes the mapping of the corpus the run already has.
    const remapped = !corpus && flags.column?.length ? await remapColumns(run.state.config.corpus, flags.column) : null;
    if (remapped) await applyConfig(run, { corpus: remapped });
    if (flags.backend) await applyConfig(run, { backend: flags.backend });
    if (style) await applyConfig(run, { style });
    await applyLlmFlags(run, flags);
    if (!run.state.config.corpus)
      throw new UserError('This run has no corpus yet.', 'Pass --sample, or --corpus PATH [--format ...].');
    await applyParams(run, STEPS, overrides, removals);
    const interrupt = installInterrupt();
    try {
      const outcome = await runPipeline(run, planFor(steps), {
        signal: interrupt.signal,
        env,
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
