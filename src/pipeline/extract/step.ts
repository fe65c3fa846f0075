import { z } from 'zod';
import { loadPrompt, promptForStyle, resolveProfile } from '../llm/index.js';
import { preflightOnce } from '../llm/preflightOnce.js';
import { outputFingerprint } from '../llm/config.js';
import { USABLE_STATUSES, zeroStatusCounts } from '../schemas/extraction.js';
import { REPORTS } from '../ingest/artifacts.js';
import { REFERENCE } from '../rules/artifacts.js';
import { RAW } from './artifacts.js';
import { type Step, type StepContext, zeroOutputWarning } from '../steps/contract.js';
import type { Run } from '../store/run.js';
import { artifactName } from '../store/artifact.js';
import { checkFailedShare } from '../llm/failures.js';
import { extractWithLlm } from './llm.js';
import { extractWithRules } from './rules.js';
import { styleOf } from '../runner/style.js';

export const ExtractParamsSchema = z.object({
  /** Re-ask studies whose earlier attempt ended `failed` (network, server) when resuming. */
  retryFailed: z.boolean().default(true),
});
export type ExtractParams = z.infer<typeof ExtractParamsSchema>;

/** Final statuses: a resume does not ask again for these. `failed`, `truncated` and `runaway` are asked again. */
const FINAL = new Set(['ok', 'repaired', 'parse_error', 'filtered']);

/** Latest status per study (last line wins), streamed: only ids and statuses are kept in memory. */
async function statuses(run: Run): Promise<Map<string, { status: string; backend: string }>> {
  const map = new Map<string, { status: string; backend: string }>();
  for await (const rec of run.open(RAW).lines()) map.set(rec.study_id, { status: rec.status, backend: rec.backend });
  return map;
}

async function doneIds(ctx: StepContext<ExtractParams>): Promise<Set<string>> {
  const done = new Set<string>();
  if (ctx.mode !== 'resume') return done;
  const backend = ctx.run.state.config.backend;
  for (const [id, rec] of await statuses(ctx.run)) {
    if (rec.backend !== backend) continue;
    if (FINAL.has(rec.status) || !ctx.params.retryFailed) done.add(id);
  }
  return done;
}

async function countRows(run: Run): Promise<Record<string, number>> {
  const counts: Record<string, number> = {
    raw: 0,
    ...zeroStatusCounts(),
  };
  for (const rec of (await statuses(run)).values()) {
    counts.raw!++;
    counts[rec.status] = (counts[rec.status] ?? 0) + 1;
  }
  return counts;
}

/** Endpoints, key, model, prompt file and the data-use guard for the LLM backend (nothing for rules). */
async function checkLlmConfig(ctx: StepContext<z.infer<typeof ExtractParamsSchema>>): Promise<void> {
  const { run } = ctx;
  // Offline shards reach no endpoint: the answers come from files the user's cluster wrote.
  if (run.state.config.backend !== 'llm' || ctx.env.offline) return;
  const profile = resolveProfile(run.state.config);
  const prompt = loadPrompt(promptForStyle(profile.prompt, styleOf(run)));
  const { checks, first } = await preflightOnce(profile, {
    env: ctx.env.env,
    confirmations: ctx.env.confirmations,
    credentialed: run.state.config.corpus?.credentialed ?? false,
    signal: ctx.signal,
  });
  // The early checks and the step's preflight both get here: report once per invocation.
  if (!first) return;
  if (profile.promptSha && profile.promptSha !== prompt.sha) {
    ctx.emit({
      type: 'log',
      level: 'warn',
      message: `the prompt file ${prompt.file} changed since it was set (${profile.promptSha} → ${prompt.sha}); new requests use the new text. Record it with: cxrvqa llm set --prompt ${profile.prompt}`,
    });
  }
  for (const c of checks)
    ctx.emit({ type: 'log', level: 'info', message: `endpoint ${c.endpoint} is up and serves ${profile.model}` });
}

export const extractStep: Step<typeof ExtractParamsSchema> = {
  id: 'extract',
  title: 'Extract KeyInfo',
  description:
    'Every report → KeyInfo: through the configured LLM endpoints (backend llm) or from the rule-based reference (backend rules). Results keyed by study id with an explicit status.',
  params: ExtractParamsSchema,
  reads: [REPORTS, REFERENCE],
  writes: [RAW],
  configKeys: ['backend', 'llm'],
  // The style shapes both backends' output: list separators (rules) and the model's input text (llm).
  configFingerprint: (config) => outputFingerprint(config),
  usesStyle: true,
  usesLlm: (config) => config.backend === 'llm',
  // The rules backend converts the reference; the LLM backend reads the reports.
  requires: (config) => (config.backend === 'rules' ? [REFERENCE] : [REPORTS]),
  checkConfig: checkLlmConfig,
  async run(ctx) {
    const { run } = ctx;
    const done = await doneIds(ctx);
    const backend = run.state.config.backend;
    if (backend === 'rules') {
      const r = await extractWithRules(ctx, done);
      const counts = await countRows(run);
      const reference = run.state.artifacts[artifactName(REFERENCE)]?.count ?? 0;
      return {
        counts,
        summary: `${counts.raw} records from the rule-based reference${r.skipped ? ` (${r.skipped} kept from before)` : ''}`,
        warning: zeroOutputWarning(
          reference,
          counts.raw!,
          `0 extraction records from ${reference} reference records`,
          'run the reference step again (cxrvqa run --steps reference,extract --force)',
        ),
      };
    }
    const profile = resolveProfile(run.state.config);
    const prompt = loadPrompt(promptForStyle(profile.prompt, styleOf(run)));
    const c = await extractWithLlm(ctx, profile, prompt, done);
    const counts = await countRows(run);
    const bad = counts.raw! - [...USABLE_STATUSES].reduce((n, s) => n + (counts[s] ?? 0), 0);
    const askAgain = counts.failed! + counts.truncated! + counts.runaway!;
    checkFailedShare({
      label: 'Extraction',
      failed: askAgain,
      total: counts.raw!,
      detail: `${counts.failed} failed, ${counts.truncated} cut off, ${counts.runaway} runaway`,
      maxFailed: ctx.env.maxFailed,
      rerun: `cxrvqa run --steps extract --run ${run.dir}`,
    });
    return {
      warning: zeroOutputWarning(
        counts.raw!,
        counts.raw! - bad,
        `none of ${counts.raw} extraction answers is usable KeyInfo (${counts.parse_error} parse errors, ${counts.filtered} filtered)`,
        'look at the reasons in artifacts/raw.jsonl (or the inspector), fix the prompt or the model, then run extract again with --force',
      ),
      counts: { ...counts, cached: c.cached, resumed: c.resumed },
      summary: `${counts.raw} records with ${profile.model} (prompt ${prompt.id} ${prompt.sha}): ${counts.ok} ok, ${counts.repaired} repaired, ${counts.truncated} cut off, ${counts.runaway} runaway, ${counts.parse_error} parse errors, ${counts.filtered} filtered, ${counts.failed} failed${bad ? ' — see raw.jsonl reasons' : ''}`,
    };
  },
  async preview(run) {
    const art = run.state.artifacts['raw'];
    return art ? `${art.count} extraction records` : 'not run';
  },
};
