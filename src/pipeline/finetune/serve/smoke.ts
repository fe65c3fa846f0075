import { parseKeyInfo } from '../../extract/parse.js';
import { loadPrompt, type LlmProfile } from '../../llm/index.js';
import { REPORTS } from '../../ingest/artifacts.js';
import { USABLE_STATUSES } from '../../schemas/extraction.js';
import type { StepContext } from '../../steps/contract.js';
import type { Run } from '../../store/run.js';
import { UserError } from '../../util/errors.js';
import { finetuneLayout } from '../export/write.js';
import { toTrainingKeyInfo } from '../gold/usable.js';
import { listGold } from '../gold/review.js';
import { extractReports } from '../llm.js';
import type { FinetuneParams, ServeParams } from '../params.js';
import { checkServedParity } from './parity.js';
import { trainingPromptId } from '../prompt.js';
import { modelText } from '../../extract/request.js';
import { styleOf } from '../../runner/style.js';

/**
 * Checks of the served model before its endpoint is recorded: the prompt it
 * builds equals the trained one (/tokenize), and a few gold reports come back
 * as KeyInfo the training data would accept (the same validation the export
 * applies, so an answer the exporter would reject is no pass).
 */

export interface SmokeResult {
  /** Parsed and valid training KeyInfo. */
  ok: number;
  /** Parsed, but rejected by the training-data KeyInfo validation. */
  invalid: number;
  /** No usable answer (call failed, no JSON, cut off). */
  failed: number;
  parity: string;
}

type Ctx = StepContext<ServeParams>;

export async function smokeTest(ctx: Ctx, run: Run, ft: FinetuneParams, profile: LlmProfile): Promise<SmokeResult> {
  const promptId = trainingPromptId(run, ft);
  const prompt = loadPrompt(promptId);
  const parity = await checkParity(ctx, ft, profile, prompt);
  if (ctx.params.smoke === 0) return { ok: 0, invalid: 0, failed: 0, parity };
  const rows = (await listGold(run)).filter((r) => r.decision.usable);
  const ids = rows.slice(0, ctx.params.smoke).map((r) => r.study_id);
  const want = new Set(ids);
  const texts = new Map<string, string>();
  const style = styleOf(run);
  for await (const r of run.open(REPORTS).lines()) if (want.has(r.study_id)) texts.set(r.study_id, modelText(r, style));

  const res: SmokeResult = { ok: 0, invalid: 0, failed: 0, parity };
  const reasons: string[] = [];
  // The server just started answers now: a smoke test never waits on a Batch API.
  await extractReports(ctx, { ...profile, engine: 'live' }, promptId, {
    label: 'Smoke test',
    items: ids.map((id) => ({ id, text: texts.get(id) ?? '' })),
    concurrency: 1,
    // An answer the training data would reject is not kept: the next smoke test asks the server again.
    accept: (text, res) => {
      const parsed = parseKeyInfo(text, { finishReason: res.finishReason });
      return USABLE_STATUSES.has(parsed.status) && toTrainingKeyInfo(parsed.keyinfo).ok;
    },
    onRow(rec) {
      const parsed = USABLE_STATUSES.has(rec.status);
      const checked = parsed ? toTrainingKeyInfo(rec.keyinfo) : null;
      const reason = !parsed ? `${rec.status}: ${rec.reason ?? ''}` : checked && !checked.ok ? checked.reason : null;
      if (reason === null) res.ok++;
      else if (parsed) res.invalid++;
      else res.failed++;
      if (reason !== null) reasons.push(`${rec.study_id}: ${reason}`);
      ctx.emit({
        type: 'item',
        key: rec.study_id,
        outcome: reason === null ? 'ok' : 'failed',
        reason: reason ?? undefined,
      });
      ctx.emit({
        type: 'log',
        level: reason === null ? 'info' : 'warn',
        message: `smoke ${rec.study_id}: ${reason === null ? `${rec.status} ${JSON.stringify(rec.keyinfo).slice(0, 160)}` : reason}`,
      });
    },
  });
  const tried = res.ok + res.invalid + res.failed;
  if (res.ok === 0 && tried > 0) {
    throw new Error(
      `Smoke test failed: none of ${tried} gold reports gave valid KeyInfo from ${profile.model}${res.invalid ? ` (${res.invalid} parsed but failed the training-data KeyInfo validation)` : ''}:\n${reasons.map((r) => `  ${r}`).join('\n')}`,
    );
  }
  return res;
}

async function checkParity(
  ctx: Ctx,
  ft: FinetuneParams,
  profile: LlmProfile,
  prompt: ReturnType<typeof loadPrompt>,
): Promise<string> {
  const layout = finetuneLayout(ctx.run.dir, ft);
  const res = await checkServedParity(profile, ft.family, layout.datasetFile, prompt, ctx.signal);
  ctx.emit({ type: 'log', level: res.ok === false ? 'warn' : 'info', message: res.lines.join('\n') });
  if (res.ok === false && !ctx.params.allowPromptMismatch) {
    throw new UserError(
      `The served prompt differs from the trained one (see above); the bulk extraction would not see what the model was trained on.`,
      'Serve with the training template (--set serve.chatTemplate=training), or accept it with --set serve.allowPromptMismatch=true.',
    );
  }
  return res.ok === null
    ? 'prompt parity: /tokenize unavailable'
    : res.ok
      ? 'served prompt = trained prompt (/tokenize)'
      : 'served prompt DIFFERS from trained prompt';
}

/** The summary's words for the smoke test, e.g. "smoke test 2/3 ok (valid training KeyInfo); 1 rejected by the KeyInfo validation". */
export function smokeSummary(s: SmokeResult): string {
  const tried = s.ok + s.invalid + s.failed;
  return `smoke test ${s.ok}/${tried} ok (valid training KeyInfo)${s.invalid ? `; ${s.invalid} rejected by the KeyInfo validation` : ''}${s.failed ? `; ${s.failed} failed` : ''}`;
}
