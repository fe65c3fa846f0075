import { z } from 'zod';
import { loadPrompt, promptForStyle, resolveProfile } from '../llm/index.js';
import { preflightOnce } from '../llm/preflightOnce.js';
import { outputFingerprint } from '../llm/config.js';
import { REPORTS } from '../ingest/artifacts.js';
import { REFERENCE } from '../rules/artifacts.js';
import { STANDARDIZED } from '../standardize/artifacts.js';
import type { StandardizedRow } from '../standardize/input.js';
import type { Step, StepContext } from '../steps/contract.js';
import type { Run } from '../store/run.js';
import { checkFailedShare } from '../llm/failures.js';
import { runChain, type StudyWork } from './chain.js';
import { CycleCounter, openCycle, setCycleCounts } from './cycles.js';
import { askWithLlm } from './llm.js';
import { planQuestions } from './plan.js';
import { currentQuestionSha, loadQuestionTemplate } from './prompts.js';
import { FOLLOWUP, FOLLOWUP_LOG } from './artifacts.js';
import type { FollowupLogRow, FollowupRow } from './schema.js';
import { styleOf } from '../runner/style.js';

export const FollowupParamsSchema = z.object({
  /** Positive question text: a prompts/ id or a path to an edited copy; `{entity}` is replaced by the name. */
  positiveQuestion: z.string().default('followup-positive'),
  negativeQuestion: z.string().default('followup-negative'),
  /** At most this many questions per study and cycle, in plan order (0: no limit). */
  maxQuestions: z.number().int().min(0).default(0),
});
export type FollowupParams = z.infer<typeof FollowupParamsSchema>;

const MAX_ITEM_EVENTS = 200;

/** The cycle this run belongs to: given by the runner, else the one after the standardized records' cycle. */
function cycleOf(ctx: StepContext<FollowupParams>, std: ReadonlyMap<string, StandardizedRow>): number {
  if (ctx.env.cycle !== undefined) return ctx.env.cycle;
  let max = 0;
  for (const r of std.values()) max = Math.max(max, r.cycle);
  return max + 1;
}

/** What an earlier attempt at this cycle finished: studies with a row, and logged answers of the others. */
async function earlierAttempt(run: Run, cycle: number) {
  const done = new Set<string>();
  for await (const r of run.open(FOLLOWUP).lines()) if (r.cycle === cycle) done.add(r.study_id);
  const prior = new Map<string, FollowupLogRow[]>();
  for await (const r of run.open(FOLLOWUP_LOG).lines()) {
    if (r.cycle !== cycle || done.has(r.study_id)) continue;
    const list = prior.get(r.study_id) ?? [];
    list.push(r);
    prior.set(r.study_id, list);
  }
  for (const list of prior.values()) list.sort((a, b) => a.seq - b.seq);
  return { done, prior };
}

/** The cycle's counts, and the artifacts' line counts over all cycles. */
async function countCycle(run: Run, cycle: number) {
  const counter = new CycleCounter();
  const lines = { followup: 0, 'followup-log': 0 };
  for await (const r of run.open(FOLLOWUP_LOG).lines()) {
    lines['followup-log']++;
    if (r.cycle === cycle) counter.addLog(r);
  }
  for await (const r of run.open(FOLLOWUP).lines()) {
    lines.followup++;
    if (r.cycle === cycle) counter.addStudy();
  }
  return { counts: counter.result(), lines };
}

/** Log statuses of questions whose answer could not be used: the record stayed as it was. */
const KEPT_UNCHANGED: ReadonlySet<FollowupLogRow['status']> = new Set([
  'parse_error',
  'truncated',
  'filtered',
  'runaway',
  'failed',
]);

async function runFollowup(ctx: StepContext<FollowupParams>) {
  const { run, params, signal } = ctx;
  let badLines = 0;
  const onIssue = () => void badLines++;
  const std = await run.open(STANDARDIZED).readMap({ onIssue });
  const refs = await run.open(REFERENCE).readMap({ onIssue });
  const cycle = cycleOf(ctx, std);
  await run.update((s) => openCycle(s, cycle));
  const { done, prior } = await earlierAttempt(run, cycle);
  const templates = {
    positive: loadQuestionTemplate(params.positiveQuestion, styleOf(run)),
    negative: loadQuestionTemplate(params.negativeQuestion, styleOf(run)),
  };
  if (done.size)
    ctx.emit({
      type: 'log',
      level: 'info',
      message: `cycle ${cycle}: resuming; ${done.size} studies already finished are kept, ${[...prior.values()].reduce((a, l) => a + l.length, 0)} logged answers are not asked again`,
    });

  const out = run.open(FOLLOWUP);
  const log = run.open(FOLLOWUP_LOG);
  // Plans first (small: names only). A study without questions gets no row: standardization
  // then reads its newest earlier row (or its extraction), which is what it standardized last time.
  const pending = new Map<string, Omit<StudyWork, 'report'>>();
  let finished = done.size;
  let planned = 0;
  for (const [id, row] of std) {
    if (done.has(id)) continue;
    const ref = refs.get(id);
    let plan = ref ? planQuestions(row.keyinfo, ref, undefined, styleOf(run)) : [];
    if (params.maxQuestions > 0) plan = plan.slice(0, params.maxQuestions);
    const before = prior.get(id) ?? [];
    if (plan.length === 0 && before.length === 0) {
      finished++;
      continue;
    }
    planned += plan.length;
    pending.set(id, { study_id: id, cycle, start: row.keyinfo, plan, prior: before });
  }
  const total = std.size;
  ctx.emit({
    type: 'log',
    level: 'info',
    message: `cycle ${cycle}: ${pending.size} studies have ${planned} follow-up questions; ${finished} need none or were finished before`,
  });
  ctx.emit({ type: 'progress', done: finished, total });

  let stats = { cached: 0, noReport: 0 };
  let itemEvents = 0;
  const hooks = {
    onLog: (row: FollowupLogRow) => {
      log.append(row);
      if (KEPT_UNCHANGED.has(row.status) && itemEvents++ < MAX_ITEM_EVENTS) {
        ctx.emit({
          type: 'item',
          key: `${row.study_id} ${row.polarity} ${row.entity}`,
          outcome: 'failed',
          reason: `${row.status}: ${row.reason ?? ''}`,
        });
      }
    },
    onStudy: (row: FollowupRow) => {
      out.append(row);
      finished++;
    },
    progress: () => ({ done: finished, total }),
    runChain,
  };
  try {
    if (pending.size > 0) stats = await askWithLlm(ctx, pending, templates, hooks);
  } finally {
    out.close();
    log.close();
  }
  if (badLines) ctx.emit({ type: 'log', level: 'warn', message: `${badLines} unreadable input lines were ignored` });
  if (signal.aborted) return { counts: {}, summary: 'interrupted' };

  const { counts, lines } = await countCycle(run, cycle);
  // Recorded last: a cycle's follow-up half counts as done only once every study has its row.
  await run.update((s) => setCycleCounts(s, cycle, counts));
  checkFailedShare({
    label: `Follow-up cycle ${cycle}`,
    failed: counts.failed + counts.truncated,
    total: counts.asked,
    detail: `${counts.failed} failed, ${counts.truncated} cut off`,
    maxFailed: ctx.env.maxFailed,
    // Answered questions come from the response cache, so a forced re-run of the cycle pays only for the failed ones.
    rerun: `cxrvqa run --steps followup --force --run ${run.dir}`,
  });
  const summary = `cycle ${cycle}: ${counts.asked} questions asked to ${counts.studies} studies (${counts.answered} answered, ${counts.changed} records changed, +${counts.added_entity} entity, +${counts.added_no_entity} no_entity, ${counts.parse_failures} parse failures, ${counts.truncated} cut off, ${counts.filtered} filtered, ${counts.failed} failed, ${counts.dropped} dropped); questions ${templates.positive.sha}/${templates.negative.sha}`;
  return { counts: { ...counts, cycle, ...lines, cached: stats.cached, no_report: stats.noReport }, summary };
}

/** Question templates, the prompt, endpoints and the data-use guard: all checkable before any step runs. */
async function checkFollowupConfig(ctx: StepContext<z.infer<typeof FollowupParamsSchema>>): Promise<void> {
  const { run, params } = ctx;
  loadQuestionTemplate(params.positiveQuestion, styleOf(run));
  loadQuestionTemplate(params.negativeQuestion, styleOf(run));
  const profile = resolveProfile(run.state.config);
  loadPrompt(promptForStyle(profile.prompt, styleOf(run)));
  // Offline shards reach no endpoint: the answers come from files the user's cluster wrote.
  if (ctx.env.offline) return;
  await preflightOnce(profile, {
    env: ctx.env.env,
    confirmations: ctx.env.confirmations,
    credentialed: run.state.config.corpus?.credentialed ?? false,
    signal: ctx.signal,
  });
}

export const followupStep: Step<typeof FollowupParamsSchema> = {
  id: 'followup',
  title: 'Follow-up questions',
  description:
    'Ask the model about each reference finding its standardized record lacks, one question at a time per study, and apply its updated JSON (docs/method.md §8). Alternates with standardize in cycles.',
  params: FollowupParamsSchema,
  reads: [REPORTS, REFERENCE, STANDARDIZED],
  writes: [FOLLOWUP, FOLLOWUP_LOG],
  configKeys: ['backend', 'llm'],
  usesStyle: true,
  usesLlm: () => true,
  // The question files count by their text, like the prompt: an edited copy makes the follow-up stale.
  configFingerprint: (config, params) => ({
    ...(outputFingerprint(config) as object),
    questions: [
      currentQuestionSha(params.positiveQuestion, config.style),
      currentQuestionSha(params.negativeQuestion, config.style),
    ],
  }),
  applies(run) {
    if (run.state.config.backend !== 'llm')
      return {
        ok: false,
        reason: 'needs an LLM backend: follow-up questions go to the model (this run uses the rules backend)',
      };
    return { ok: true };
  },
  requires: () => [REPORTS, REFERENCE, STANDARDIZED],
  checkConfig: checkFollowupConfig,
  run: runFollowup,
  async preview(run) {
    const last = run.state.cycles.at(-1);
    if (!last) return 'no cycles yet';
    const c = last.counts;
    return `${run.state.cycles.length} cycle(s); cycle ${last.cycle}: ${c.asked ?? '?'} asked, ${c.changed ?? '?'} changed${last.finishedAt ? '' : ' (not finished)'}`;
  },
};
