import { Option, type Command } from 'commander';
import {
  applyConfig,
  applyLlmSettings,
  endpointLabel,
  hasLlmSettings,
  type LlmSettings,
  loadPrompt,
  parseLlmConfig,
  preflightLlm,
  recordedDataUse,
  resolveProfile,
  type Run,
} from '../../pipeline/index.js';
import { formatPrices } from '../../present/format.js';
import { action, collect, makeEnv, currentRunOption, withRun } from '../common.js';

/** LLM options shared by `cxrvqa llm set` and `cxrvqa run` (only what a headless run needs). */
export function addLlmRunOptions(cmd: Command): Command {
  return cmd
    .option(
      '--endpoint <url[,opts]>',
      'OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1 (repeatable: several endpoints of one model); opts: key-env=VAR,key-file=P,max=N',
      collect,
    )
    .option('--azure <url>', 'Azure OpenAI resource endpoint, e.g. https://NAME.openai.azure.com')
    .option('--deployment <name>', 'Azure deployment name (default: the model name)')
    .option('--api-version <v>', 'Azure dated api-version (default: the v1 API)')
    .option('--model <name>', 'model name as served (vLLM --served-model-name)')
    .option('--key-env <VAR>', 'read the endpoint key from this environment variable (never stored)')
    .option('--key-file <path>', 'read the endpoint key from the first line of this file (never stored)')
    .option('--prompt <id|path>', 'extraction prompt: simple, full, or a file')
    .option('--concurrency <n>', 'LLM requests in flight across all endpoints (default 32)')
    .option(
      '--first-token-timeout <s>',
      'cap in seconds on waiting for the first content of an answer (default 300; after 20 answers the wait is 10x their p95, at least 10 s)',
    )
    .option(
      '--timeout <s>',
      'cap in seconds on one whole answer (default 900; after 20 answers 10x their p95, at least 30 s)',
    )
    .option('--no-adaptive-timeouts', 'use the caps alone, not times learnt from answers')
    .option('--no-hedge', 'never send a second copy of a request stuck past the p99 answer time')
    .addOption(
      new Option(
        '--engine <engine>',
        "live: send each request; batch: the first endpoint's Batch API (half price, answers within 24 h)",
      ).choices(['live', 'batch']),
    )
    .option('--batch-poll <s>', 'seconds between Batch API status checks (default 30)')
    .option('--batch-max-requests <n>', 'requests per Batch API input file (default 50000)');
}

export interface LlmSetFlags extends LlmSettings {
  run: string;
  dataUse?: string;
  confirm?: string[];
}

/** `--data-use`: record whether the run's corpus is credentialed. Returns a warning to print, if any. */
export async function applyDataUseSetting(
  run: Run,
  value: string,
  confirmations: ReadonlySet<string>,
): Promise<string | null> {
  const next = recordedDataUse(run.state.config.corpus ?? null, value, confirmations);
  await applyConfig(run, { corpus: next.corpus });
  return next.warning;
}

/** Store LLM settings given on the command line in the run's config. Returns true when something changed. */
export async function applyLlmFlags(run: Run, flags: LlmSettings): Promise<boolean> {
  if (!hasLlmSettings(flags)) return false;
  // A missing prompt file is reported now, not at the first request.
  if (flags.prompt) loadPrompt(flags.prompt);
  const llm = applyLlmSettings(run.state.config.llm, flags);
  await applyConfig(run, { llm });
  return true;
}

function describe(run: Run, profileName?: string): string {
  const p = resolveProfile(run.state.config, profileName);
  const lines = [
    `backend: ${run.state.config.backend}${profileName ? `  profile: ${profileName}` : ''}`,
    `model: ${p.model ?? '(not set)'}   prompt: ${p.prompt}   structured: ${p.structured}   stream: ${p.stream}`,
    `decoding: temperature ${p.decoding.temperature}, max_tokens ${p.decoding.max_tokens}${p.decoding.top_p !== null ? `, top_p ${p.decoding.top_p}` : ''}${p.decoding.seed !== null ? `, seed ${p.decoding.seed}` : ''}`,
    `concurrency: ${p.concurrency}   retries: ${p.retries.max}   timeouts: first token ≤ ${p.idleTimeoutMs / 1000} s, whole answer ≤ ${p.timeoutMs / 1000} s${p.adaptiveTimeouts ? ', learnt from answer times (10x p95)' : ' (fixed)'}   hedge: ${p.hedge ? 'on' : 'off'}`,
    `prices (USD per million tokens, in/out): ${formatPrices(p.prices)}`,
    `engine: ${p.engine}${p.engine === 'batch' ? ` (Batch API of the first endpoint, at half the prices above; ${p.batch.maxRequests} requests per file, polled every ${p.batch.pollMs / 1000} s)` : ''}`,
    'endpoints:',
    ...(p.endpoints.length
      ? p.endpoints.map(
          (e) =>
            `  ${e.kind} ${endpointLabel(e)}  max ${e.maxConcurrency}  key: ${e.keyEnv ? `$${e.keyEnv}` : e.keyFile ? `file ${e.keyFile}` : 'none'}${e.apiVersion ? `  api-version ${e.apiVersion}` : ''}`,
        )
      : ['  (none)']),
  ];
  const corpus = run.state.config.corpus;
  if (corpus)
    lines.push(
      `data use: ${corpus.credentialed ? 'credentialed corpus: only loopback and private-network endpoints without --confirm' : 'not credentialed: the data-use guard is off'}`,
    );
  const profiles = Object.keys(parseLlmConfig(run.state.config.llm).profiles);
  if (profiles.length) lines.push(`profiles: ${profiles.join(', ')}`);
  return lines.join('\n');
}

export function registerLlm(program: Command): void {
  const llm = program
    .command('llm')
    .description('configure and check the LLM endpoints of a run (keys are never stored)');

  addLlmRunOptions(
    llm
      .command('set')
      .description('set LLM endpoints, model, prompt and decoding for a run')
      .addOption(currentRunOption()),
  )
    .option('--profile <name>', 'write a named profile (e.g. gold) instead of the default')
    .option('--temperature <t>', 'sampling temperature (default 0)')
    .option('--max-tokens <n>', 'max output tokens (default 2048)')
    .option('--endpoint-concurrency <n>', 'requests in flight per endpoint (default 32)')
    .addOption(
      new Option('--structured <mode>', 'json_schema output: auto (fall back when refused), json_schema, off').choices([
        'auto',
        'json_schema',
        'off',
      ]),
    )
    .option('--stream', 'stream responses (default)')
    .option('--no-stream', 'do not stream responses')
    .option('--price <model=in,out>', 'USD per million input/output tokens for the cost estimate (repeatable)', collect)
    .option(
      '--data-use <credentialed|not-credentialed>',
      'record whether the corpus is credentialed data (the data-use guard); not-credentialed needs --confirm not-credentialed',
    )
    .option('--confirm <what>', 'confirmation: not-credentialed (with --data-use not-credentialed)', collect)
    .action(
      action(async (flags: LlmSetFlags) =>
        withRun(flags.run, { create: true, keepOnError: () => false }, async (run) => {
          if (flags.dataUse !== undefined) {
            const warning = await applyDataUseSetting(run, flags.dataUse, new Set(flags.confirm ?? []));
            if (warning) process.stderr.write(warning + '\n');
          }
          await applyLlmFlags(run, flags);
          process.stdout.write(describe(run, flags.profile) + '\n');
          // Configuring a model does not switch the backend: say so, or `cxrvqa run` silently uses the rules.
          if (run.state.config.backend !== 'llm' && !flags.profile) {
            process.stdout.write(
              `note: this run uses the ${run.state.config.backend} backend; pass --backend llm to cxrvqa run to use this model\n`,
            );
          }
        }),
      ),
    );

  llm
    .command('show')
    .description('print the LLM settings of a run')
    .addOption(currentRunOption())
    .option('--profile <name>', 'show a named profile')
    .action(
      action(async (flags: { run: string; profile?: string }) =>
        withRun(flags.run, { readOnly: true }, async (run) => {
          process.stdout.write(describe(run, flags.profile) + '\n');
        }),
      ),
    );

  llm
    .command('check')
    .description('check the prompt file, the data-use guard, each endpoint (/v1/models), the key and the model')
    .addOption(currentRunOption())
    .option('--profile <name>', 'check a named profile')
    .option(
      '--confirm <what>',
      'confirmation for this invocation: azure-data-use, public-openai, public-endpoint, not-credentialed (repeatable)',
      collect,
    )
    .action(
      action(async (flags: { run: string; profile?: string; confirm?: string[] }) =>
        withRun(flags.run, { readOnly: true }, async (run) => {
          const profile = resolveProfile(run.state.config, flags.profile);
          const prompt = loadPrompt(profile.prompt);
          const env = makeEnv(flags.confirm);
          const checks = await preflightLlm(profile, {
            env: env.env,
            confirmations: env.confirmations,
            credentialed: run.state.config.corpus?.credentialed ?? false,
          });
          process.stdout.write(`prompt ${prompt.file} (${prompt.sha})\n`);
          for (const c of checks) process.stdout.write(`ok ${c.endpoint}: serves ${profile.model}\n`);
        }),
      ),
    );
}
