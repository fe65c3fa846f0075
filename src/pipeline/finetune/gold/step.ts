import fs from 'node:fs';
import path from 'node:path';
import { loadPrompt, parseLlmConfig, preflightLlm, resolveProfile } from '../../llm/index.js';
import { currentPromptSha } from '../../llm/prompts.js';
import type { RunConfig } from '../../schemas/state.js';
import { USABLE_STATUSES, zeroStatusCounts, type ExtractionResult } from '../../schemas/extraction.js';
import { REPORTS } from '../../ingest/artifacts.js';
import type { Applicability, Step, StepResult } from '../../steps/contract.js';
import type { Run } from '../../store/run.js';
import { UserError } from '../../util/errors.js';
import { extractReports } from '../llm.js';
import { GoldParamsSchema } from '../params.js';
import { GOLD } from './artifacts.js';
import { listGold, reviewCounts } from './review.js';
import { readExclusionFile, selectGold } from './select.js';

/**
 * Gold step (docs/method.md §5): N reports by seeded shuffle, minus an exclusion
 * list, extracted by the strong model with the full prompt. Records go to the
 * `gold` artifact; a reviewer then accepts, corrects or rejects them
 * (`cxrvqa gold ...` or the app) before the finetune step exports them.
 */

export function fineTunePathApplies(run: Run, profileName: string): Applicability {
  if (run.state.config.backend !== 'llm') {
    return {
      ok: false,
      reason:
        'not configured: the gold / fine-tune path needs --backend llm and a strong-model profile (cxrvqa llm set --profile gold ...)',
    };
  }
  let profiles: Record<string, unknown>;
  try {
    profiles = parseLlmConfig(run.state.config.llm).profiles;
  } catch {
    return { ok: false, reason: 'the LLM config is invalid (see cxrvqa llm show)' };
  }
  if (!profiles[profileName]) {
    return {
      ok: false,
      reason: `not configured: no "${profileName}" LLM profile for the strong model (cxrvqa llm set --profile ${profileName} --model ... --endpoint ...)`,
    };
  }
  return { ok: true };
}

/** The gold prompt: the step's param, else the profile's own prompt when it sets one, else the full prompt. */
export function goldPrompt(run: Run, params: { profile: string; prompt: string | null }): string {
  return goldPromptOf(run.state.config, params);
}

function goldPromptOf(config: RunConfig, params: { profile: string; prompt: string | null }): string {
  if (params.prompt) return params.prompt;
  const own = parseLlmConfig(config.llm).profiles[params.profile]?.prompt;
  return typeof own === 'string' ? own : 'full';
}

function goldProfileName(run: Run): string {
  const p = run.state.steps.gold?.params?.profile;
  return typeof p === 'string' ? p : 'gold';
}

/** Statuses a resume asks again: the call did not give an answer that could be judged. */
const ASK_AGAIN: ReadonlySet<string> = new Set(['failed', 'truncated', 'runaway']);

export const goldStep: Step<typeof GoldParamsSchema> = {
  id: 'gold',
  title: 'Gold set (strong model)',
  description:
    'Pick N reports with a seeded shuffle (minus an exclusion list) and extract them with the strong model and the full prompt; review them before fine-tuning.',
  params: GoldParamsSchema,
  reads: [REPORTS],
  writes: [GOLD],
  applies: (run) => fineTunePathApplies(run, goldProfileName(run)),
  usesLlm: () => true,
  // The prompt counts by its current text: an edited prompt file makes the gold set stale.
  configFingerprint: (config, params) => ({ promptSha: currentPromptSha(goldPromptOf(config, params)) }),

  async preflight(ctx) {
    // Everything the user can fix, before the runner sets the old gold set aside.
    if (ctx.params.exclude) readExclusionFile(path.resolve(ctx.params.exclude));
    loadPrompt(goldPrompt(ctx.run, ctx.params));
    await preflightLlm(resolveProfile(ctx.run.state.config, ctx.params.profile), {
      env: ctx.env.env,
      confirmations: ctx.env.confirmations,
      credentialed: ctx.run.state.config.corpus?.credentialed ?? false,
      signal: ctx.signal,
    });
  },

  async run(ctx): Promise<StepResult> {
    const { run, params, signal } = ctx;
    const reportsFile = run.open(REPORTS);
    const allIds = await reportsFile.keys();
    if (allIds.size === 0)
      throw new UserError('There are no reports to pick a gold set from.', 'Run the ingest step first.');
    const exclude = params.exclude ? readExclusionFile(path.resolve(params.exclude)) : new Set<string>();
    const excludedPresent = [...exclude].filter((id) => allIds.has(id)).length;
    if (params.exclude)
      ctx.emit({
        type: 'log',
        level: 'info',
        message: `excluding ${exclude.size} ids from ${params.exclude} (${excludedPresent} of them are in this corpus)`,
      });
    const selected = selectGold(allIds, params.n, params.seed, exclude);
    if (selected.length === 0) {
      throw new UserError(
        `The gold set is empty: all ${allIds.size} reports are in the exclusion list.`,
        'Use a shorter exclusion list or a larger corpus.',
      );
    }
    if (selected.length < params.n)
      ctx.emit({
        type: 'log',
        level: 'warn',
        message: `only ${selected.length} reports available for a gold set of ${params.n}`,
      });
    writeSelection(run, params, selected, exclude.size);

    const gold = run.open(GOLD);
    const existing = ctx.mode === 'resume' ? await gold.readMap() : new Map<string, ExtractionResult>();
    // Failed, cut-off and runaway calls are asked again on resume; everything else that is recorded is kept.
    const todo = selected.filter((id) => !existing.has(id) || ASK_AGAIN.has(existing.get(id)!.status));
    if (existing.size)
      ctx.emit({
        type: 'log',
        level: 'info',
        message: `resuming: ${selected.length - todo.length} of ${selected.length} gold reports already done`,
      });

    const wanted = new Set(todo);
    const texts = new Map<string, string>();
    for await (const r of reportsFile.lines()) if (wanted.has(r.study_id)) texts.set(r.study_id, r.selected);

    const profile = resolveProfile(run.state.config, params.profile);
    const counts: Record<string, number> = zeroStatusCounts();
    let done = selected.length - todo.length;
    const total = selected.length;
    ctx.emit({ type: 'progress', done, total });
    if (todo.length > 0) {
      try {
        await extractReports(ctx, profile, goldPrompt(run, params), {
          label: 'Gold',
          items: todo.map((id) => ({ id, text: texts.get(id) ?? '' })),
          concurrency: params.concurrency,
          onRow(rec) {
            gold.append(rec);
            counts[rec.status] = (counts[rec.status] ?? 0) + 1;
            done++;
            const bad = !USABLE_STATUSES.has(rec.status);
            ctx.emit({
              type: 'item',
              key: rec.study_id,
              outcome: bad ? 'failed' : 'ok',
              ...(rec.reason ? { reason: `${rec.status}: ${rec.reason}` } : {}),
            });
            ctx.emit({ type: 'progress', done, total, counters: counts });
          },
        });
      } finally {
        gold.close();
      }
    }
    if (signal.aborted) return { counts: { gold: done }, summary: 'interrupted' };

    const rows = await listGold(run);
    const failed = rows.filter((r) => !USABLE_STATUSES.has(r.goldStatus));
    for (const r of failed)
      ctx.emit({
        type: 'log',
        level: 'warn',
        message: `gold ${r.study_id}: ${r.goldStatus} — will be skipped unless corrected in review`,
      });
    const rc = reviewCounts(rows);
    return {
      counts: { gold: rows.length, usable: rc.usable, failed: failed.length },
      summary: `${rows.length} gold records (${rc.usable} usable, ${failed.length} failed/filtered/unparseable); review with \`cxrvqa gold list\``,
    };
  },

  async preview(run) {
    const rows = await listGold(run);
    if (rows.length === 0) return 'no gold set yet';
    const c = reviewCounts(rows);
    return `${rows.length} gold records: ${c.accepted} accepted, ${c.corrected} corrected, ${c.rejected} rejected, ${c.pending} pending; ${c.usable} usable`;
  },
};

function writeSelection(
  run: Run,
  params: { n: number; seed: number; exclude: string | null },
  ids: string[],
  excluded: number,
): void {
  const dir = run.outputDir('gold');
  fs.writeFileSync(
    path.join(dir, 'selection.json'),
    JSON.stringify({ n: params.n, seed: params.seed, exclude: params.exclude, excluded, ids }, null, 2) + '\n',
  );
}
