import { extractSingleReport } from '../extract/single.js';
import { BUILTIN_PROMPTS, parseLlmConfig, resolveProfile } from '../llm/index.js';
import { USABLE_STATUSES, type ExtractionResult } from '../schemas/extraction.js';
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
  if (!cfg.model || cfg.endpoints.length === 0)
    return { disabled: 'no LLM endpoint/model configured for this run (cxrvqa llm set --endpoint URL --model NAME)' };
  const prompts = [...new Set([cfg.prompt, ...Object.keys(BUILTIN_PROMPTS)])];
  return { profiles: ['', ...Object.keys(cfg.profiles)], prompts, defaultPrompt: cfg.prompt };
}

/** Retries for a re-run from the inspector (the bulk default is 5 with backoff up to a minute). */
export const INTERACTIVE_RETRIES = 1;

/**
 * Send one report to the chosen profile and prompt and return the `raw` row it
 * would produce. Nothing is written: the caller decides whether to keep it.
 */
export async function rerunExtraction(
  run: Run,
  report: Record<string, unknown>,
  choice: { profile: string; prompt: string },
  env: RunEnv,
  signal: AbortSignal,
): Promise<ExtractionResult> {
  const rec = ReportRecordSchema.parse(report);
  // Someone is waiting at the keyboard: one retry, not the bulk run's patient policy.
  const base = resolveProfile(run.state.config, choice.profile || undefined);
  const profile = { ...base, retries: { ...base.retries, max: Math.min(base.retries.max, INTERACTIVE_RETRIES) } };
  const row = await extractSingleReport(run, rec, profile, choice.prompt, env, signal);
  // Marked so the inspector's LLM pane tells a kept re-run from the extract step's rows.
  return { ...row, via: 'rerun' };
}

/**
 * Keep a re-run result: appended to `raw` (the last line per study wins) and
 * the write recorded in the store, so standardize and later steps show stale.
 */
export async function acceptExtraction(run: Run, row: ExtractionResult): Promise<void> {
  if (run.readOnly) throw new Error('this run is open read-only');
  // A call without usable KeyInfo (failed, cut off, unparseable) must not replace the report's current extraction (last line wins).
  if (!USABLE_STATUSES.has(row.status))
    throw new Error(`the re-run gave no usable KeyInfo (${row.status}): nothing to keep`);
  const raw = run.artifact<ExtractionResult>('raw');
  raw.append(row);
  raw.close();
  await run.recordArtifactWrite('raw');
}
