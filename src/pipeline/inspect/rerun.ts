import path from 'node:path';
import { modelText, resultRow } from '../extract/llm.js';
import { BUILTIN_PROMPTS, checkDataUse, createLlm, extractionMessages, KEYINFO_RESPONSE_SCHEMA, loadPrompt, parseLlmConfig, resolveProfile } from '../llm/index.js';
import type { ExtractionResult } from '../schemas/extraction.js';
import { ReportRecordSchema } from '../schemas/report.js';
import type { RunEnv } from '../steps/contract.js';
import type { Run } from '../store/run.js';

export interface RerunOptions {
  /** Named LLM profiles; '' is the run's top-level profile. */
  profiles: string[];
  prompts: string[];
  defaultPrompt: string;
}

/** What the re-run action can offer for this run, or why it is unavailable. */
export function rerunAvailability(run: Run): RerunOptions | { disabled: string } {
  let cfg;
  try {
    cfg = parseLlmConfig(run.state.config.llm);
  } catch (err) {
    return { disabled: (err as Error).message };
  }
  if (!cfg.model || cfg.endpoints.length === 0) return { disabled: 'no LLM endpoint/model configured for this run (cxrvqa llm set --endpoint URL --model NAME)' };
  const prompts = [...new Set([cfg.prompt, ...Object.keys(BUILTIN_PROMPTS)])];
  return { profiles: ['', ...Object.keys(cfg.profiles)], prompts, defaultPrompt: cfg.prompt };
}

/** Retries for a re-run from the inspector (the bulk default is 5 with backoff up to a minute). */
export const INTERACTIVE_RETRIES = 1;

/**
 * Send one report to the chosen profile and prompt and return the `raw` row it
 * would produce. Nothing is written: the caller decides whether to keep it.
 */
export async function rerunExtraction(run: Run, report: Record<string, unknown>, choice: { profile: string; prompt: string }, env: RunEnv, signal: AbortSignal): Promise<ExtractionResult> {
  const rec = ReportRecordSchema.parse(report);
  // Someone is waiting at the keyboard: one retry, not the bulk run's patient policy.
  const base = resolveProfile(run.state.config, choice.profile || undefined);
  const profile = { ...base, retries: { ...base.retries, max: Math.min(base.retries.max, INTERACTIVE_RETRIES) } };
  checkDataUse(profile.endpoints, run.state.config.corpus?.credentialed ?? false, env.confirmations);
  const prompt = loadPrompt(choice.prompt);
  const llm = createLlm(profile, { env: env.env, cacheDir: path.join(run.dir, 'llm-cache') });
  try {
    const res = await llm.client.complete(
      { model: profile.model!, messages: extractionMessages(prompt, modelText(rec)), params: llm.decoding, responseSchema: profile.structured === 'off' ? undefined : KEYINFO_RESPONSE_SCHEMA, tag: rec.study_id },
      { signal },
    );
    const row = resultRow(rec.study_id, res, profile.model!);
    if (!row) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
    return row;
  } finally {
    await llm.close();
  }
}

/**
 * Keep a re-run result: appended to `raw` (the last line per study wins) and
 * the write recorded in the store, so standardize and later steps show stale.
 */
export async function acceptExtraction(run: Run, row: ExtractionResult): Promise<void> {
  if (run.readOnly) throw new Error('this run is open read-only');
  // A call that got no answer must not replace the report's current extraction (last line wins).
  if (row.status === 'failed') throw new Error('the call failed: nothing to keep');
  const raw = run.artifact<ExtractionResult>('raw');
  raw.append(row);
  raw.close();
  await run.recordArtifactWrite('raw');
}
