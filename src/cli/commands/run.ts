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
  type RunnerEvent,
  runPipeline,
  STEPS,
  stepWarnings,
  UserError,
} from '../../pipeline/index.js';
import { writeLastRun } from '../../ui/lastRun.js';
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
  allowEmpty?: boolean;
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
        '--allow-empty',
        `exit 0 even when a step turned its inputs into nothing (otherwise exit ${EXIT_WARNING}; the warning stays in status)`,
      )
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

/** `cxrvqa run` exit code when every step finished but one's result is empty (>0 in, 0 out), without `--allow-empty`. */
export const EXIT_WARNING = 3;

/** Exit codes `cxrvqa help run` lists (README "Exit codes" says the same). */
export const RUN_EXIT_CODES = `
Exit codes:
  0    done: every planned step finished, or was skipped as current
  1    a step failed (details in <run>/logs/<step>.log) or an internal error
  2    a user error (bad flag or input, run in use); nothing was started
  ${EXIT_WARNING}    finished, but a step turned >0 inputs into 0 outputs (a warning: reason and fix in
       the log and in \`cxrvqa status\`); --allow-empty makes this 0
  130  interrupted: finished work is kept and the next run resumes`;

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
  let started = false;
  const report = createLineReporter(write);
  const onEvent = (e: RunnerEvent) => {
    if (e.type === 'step-start') started = true;
    report(e);
  };
  // A run this invocation created is removed again when it is refused before any step starts.
  return withRun(flags.run, { create: true, keepOnError: () => started }, async (run) => {
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
        onEvent,
        force: flags.force,
        cycles,
      });
      // The run a later `status`, `report` or `stats` shows without --run.
      writeLastRun(run.dir);
      if (outcome !== 'done') {
        write(`run ${outcome}: ${run.dir}`);
        return outcome === 'interrupted' ? 130 : 1;
      }
      // Steps skipped as current count too: their empty result is still what the run has.
      const warnings = stepWarnings(run, steps);
      if (!warnings.length) {
        write(`run done: ${run.dir}`);
        return 0;
      }
      write(`run done with ${warnings.length === 1 ? 'a warning' : `${warnings.length} warnings`}: ${run.dir}`);
      for (const w of warnings) write(`  ${w.stepId}: ${w.warning}`);
      if (flags.allowEmpty) return 0;
      write(`exit ${EXIT_WARNING}: a step gave nothing from its inputs (pass --allow-empty to accept it)`);
      return EXIT_WARNING;
    } finally {
      interrupt.dispose();
    }
  });
}

export function registerRun(program: Command): void {
  addRunOptions(program.command('run').description('run pipeline steps in order, headless (plain line logs)'))
    .addHelpText('after', RUN_EXIT_CODES)
    .action(action(async (flags: RunFlags) => runHeadless(flags)));
}
