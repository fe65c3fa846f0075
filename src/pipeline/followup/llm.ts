import { modelText } from '../extract/request.js';
import { runLlmBatch } from '../llm/batch.js';
import {
  estimateRun,
  KEYINFO_RESPONSE_SCHEMA,
  loadPrompt,
  promptForStyle,
  resolveProfile,
  type LlmProfile,
} from '../llm/index.js';
import { fmtNum } from '../util/format.js';
import { REPORTS } from '../ingest/artifacts.js';
import type { StepContext } from '../steps/contract.js';
import { judgeReply, type ChainDeps, type ChainOutcome, type StudyWork } from './chain.js';
import { parseKeyInfo } from '../extract/parse.js';
import { USABLE_STATUSES } from '../schemas/extraction.js';
import { followupMessages, questionText, type QuestionTemplate } from './prompts.js';
import type { FollowupLogRow, FollowupRow, Polarity } from './schema.js';
import { styleOf } from '../runner/style.js';

export interface AskHooks {
  onLog(row: FollowupLogRow): void;
  onStudy(row: FollowupRow): void;
  progress(): { done: number; total: number };
  runChain(work: StudyWork, deps: ChainDeps): Promise<ChainOutcome>;
}

/**
 * Run the pending studies' chains through the LLM batch primitive: one worker per
 * study (so one question in flight per study), `profile.concurrency` studies at
 * once; the layer's scheduler spreads requests over endpoints, retries and caches,
 * and the primitive stops the cycle when every endpoint is down.
 */
export async function askWithLlm(
  ctx: StepContext<unknown>,
  pending: Map<string, Omit<StudyWork, 'report'>>,
  templates: Record<Polarity, QuestionTemplate>,
  hooks: AskHooks,
): Promise<{ cached: number; noReport: number }> {
  const { run } = ctx;
  const profile = resolveProfile(run.state.config);
  const system = loadPrompt(promptForStyle(profile.prompt, styleOf(run))).text;
  let noReport = 0;
  await logEstimate(ctx, profile, system, pending, templates);

  // Reports are streamed, so only the studies in flight hold their text. A study leaves `pending`
  // when its chain is done; the batch engine goes over the rest again in its next round.
  const withReport = new Set<string>();
  async function* work(): AsyncGenerator<StudyWork> {
    for await (const r of run.open(REPORTS).lines()) {
      const w = pending.get(r.study_id);
      if (!w) continue;
      withReport.add(r.study_id);
      yield { ...w, report: modelText(r, styleOf(run)) };
    }
  }
  const cycle = pending.values().next().value?.cycle ?? 0;

  const { stats } = await runLlmBatch({
    ctx,
    profile,
    label: 'Follow-up',
    stage: `followup-${cycle}`,
    items: work,
    itemKey: (w) => w.study_id,
    // Replies that can be applied are cached; cut-off and unparseable ones are asked again.
    accept: (text, res) => USABLE_STATUSES.has(parseKeyInfo(text, { finishReason: res.finishReason }).status),
    progress: (s) => ({ ...hooks.progress(), counters: { requests: s.requests, cached: s.cached } }),
    async handle(w, llm) {
      const deps: ChainDeps = {
        signal: llm.signal,
        question: (q) => questionText(templates[q.polarity], q.entity),
        log: (row) => {
          hooks.onLog(row);
          // A chain stopped to wait for a batch starts again after its logged answers.
          const entry = pending.get(row.study_id);
          if (entry) entry.prior = [...entry.prior, row];
        },
        ask: (study, q, current, text) =>
          llm.completeJudged(
            {
              messages: followupMessages(system, study.report, current, text),
              responseSchema: profile.structured === 'off' ? undefined : KEYINFO_RESPONSE_SCHEMA,
              tag: `${study.study_id}#${q.seq}`,
            },
            (res) => judgeReply(res, current),
          ),
      };
      const outcome = await hooks.runChain(w, deps);
      if (outcome.kind === 'done') {
        pending.delete(w.study_id);
        hooks.onStudy(outcome.row);
      }
    },
  });
  const missing = [...pending.values()].filter((w) => !withReport.has(w.study_id));
  if (!ctx.signal.aborted && missing.length > 0) {
    // Standardized records without a report (the reports artifact was rebuilt): nothing to ask with.
    noReport = missing.length;
    for (const w of missing) {
      hooks.onStudy({
        study_id: w.study_id,
        cycle: w.cycle,
        keyinfo: w.prior.at(-1)?.after ?? w.start,
        asked: 0,
        applied: 0,
        parse_failures: 0,
        truncated: 0,
        filtered: 0,
        dropped: 0,
        failed: 0,
      });
    }
    ctx.emit({
      type: 'log',
      level: 'warn',
      message: `${noReport} studies have no report text; their records are kept unchanged`,
    });
  }
  return { cached: stats.cached, noReport };
}

/**
 * Before a cycle's first request: what it will send, like extraction's estimate. Each
 * question resends the report and the current record, so input grows with the plan.
 */
async function logEstimate(
  ctx: StepContext<unknown>,
  profile: LlmProfile,
  system: string,
  pending: ReadonlyMap<string, Omit<StudyWork, 'report'>>,
  templates: Record<Polarity, QuestionTemplate>,
): Promise<void> {
  const promptChars: number[] = [];
  for await (const r of ctx.run.open(REPORTS).lines()) {
    const w = pending.get(r.study_id);
    if (!w) continue;
    // The same system prompt, report and record go with each of the study's questions.
    const shared = system.length + modelText(r, styleOf(ctx.run)).length + JSON.stringify(w.start ?? {}).length;
    for (const q of w.plan) promptChars.push(shared + questionText(templates[q.polarity], q.entity).length);
  }
  if (promptChars.length === 0) return;
  const est = estimateRun(promptChars, profile);
  const cost = est.costUsd !== null ? `, ~$${est.costUsd.toFixed(2)}` : ' (no price configured for this model)';
  ctx.emit({
    type: 'log',
    level: 'info',
    message: `follow-up estimate: ${fmtNum(est.requests)} questions, ~${fmtNum(est.tokensIn)} input + ~${fmtNum(est.tokensOut)} output tokens${cost} [${est.method}]`,
  });
}
