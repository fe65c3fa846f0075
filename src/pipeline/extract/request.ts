import type { BatchLlm, Judged, Verdict } from '../llm/batch.js';
import type { LoadedPrompt } from '../llm/prompts.js';
import { extractionMessages } from '../llm/prompts.js';
import { KEYINFO_RESPONSE_SCHEMA } from '../llm/structured.js';
import type { CompletionOk, CompletionResult } from '../llm/types.js';
import { USABLE_STATUSES, type ExchangeFields, type ExtractionResult } from '../schemas/extraction.js';
import type { ReportRecord } from '../schemas/report.js';
import { parseKeyInfo, type ParsedKeyInfo } from './parse.js';
import { selectSections } from '../ingest/sections.js';
import { DEFAULT_STYLE, type Style } from '../schemas/style.js';

/**
 * One report → one `raw` row through the LLM layer. Shared by extract, the gold
 * set, the serve smoke test and the inspector's re-run, so a cut-off reply is
 * treated the same everywhere: status `truncated`, text kept, never data.
 */

/**
 * The text the model sees: the LLM section selection (docs/method.md §2), else the whole report.
 * `release` style selects again with the published input's impression header kept.
 */
export function modelText(r: Pick<ReportRecord, 'selected' | 'text'>, style: Style = DEFAULT_STYLE): string {
  const selected = style === 'release' ? selectSections(r.text, style).text : r.selected;
  return selected.trim() ? selected : r.text;
}

export type KeyInfoVerdict = ParsedKeyInfo & Verdict;

export function judgeKeyInfo(res: Pick<CompletionOk, 'text' | 'finishReason'>): KeyInfoVerdict {
  const parsed = parseKeyInfo(res.text, { finishReason: res.finishReason });
  return { ...parsed, cutOff: parsed.status === 'truncated' };
}

/** Only answers that become data are cached; the rest are asked again on the next run. */
export function cacheableKeyInfo(text: string, res: Pick<CompletionOk, 'finishReason'>): boolean {
  return USABLE_STATUSES.has(parseKeyInfo(text, { finishReason: res.finishReason }).status);
}

export interface ExtractOneOptions {
  prompt: LoadedPrompt;
  structured: boolean;
}

/** Ask for one report's KeyInfo; null when nothing should be recorded (stopped mid-flight). */
export async function extractOne(
  llm: BatchLlm,
  studyId: string,
  text: string,
  opts: ExtractOneOptions,
): Promise<ExtractionResult | null> {
  const judged = await llm.completeJudged(
    {
      messages: extractionMessages(opts.prompt, text),
      responseSchema: opts.structured ? KEYINFO_RESPONSE_SCHEMA : undefined,
      tag: studyId,
    },
    judgeKeyInfo,
  );
  return resultRow(studyId, judged, llm.model);
}

/** Turn one judged completion into a `raw` row; null when nothing should be recorded (aborted mid-flight). */
export function resultRow(
  studyId: string,
  { res, verdict }: Judged<KeyInfoVerdict>,
  model: string,
): ExtractionResult | null {
  const base = {
    study_id: studyId,
    backend: 'llm' as const,
    model,
    at: new Date().toISOString(),
    ...exchangeFields(res),
  };
  switch (res.kind) {
    case 'ok': {
      const v = verdict ?? judgeKeyInfo(res);
      return {
        ...base,
        status: v.status,
        keyinfo: v.keyinfo,
        ...(v.status !== 'ok' ? { raw_text: res.text } : {}),
        ...(v.reason ? { reason: v.reason } : {}),
      };
    }
    case 'filtered':
      return { ...base, status: 'filtered', keyinfo: null, reason: res.reason };
    case 'error':
      return errorRow(base, res);
  }
}

/** What a result row records about its request (the messages are rebuilt, not stored: they hold the report). */
export function exchangeFields(res: CompletionResult): ExchangeFields {
  return {
    request_key: res.key,
    ...(res.endpoint ? { endpoint: res.endpoint } : {}),
    attempts: res.attempts,
    ...(res.kind === 'ok'
      ? {
          latency_ms: Math.round(res.latencyMs),
          cached: res.cached,
          ...(res.usage ? { usage: res.usage } : {}),
        }
      : {}),
  };
}

function errorRow(
  base: Omit<ExtractionResult, 'status' | 'keyinfo'>,
  res: Extract<CompletionResult, { kind: 'error' }>,
): ExtractionResult | null {
  if (res.errorKind === 'aborted') return null;
  const attempts = `after ${res.attempts} attempt${res.attempts === 1 ? '' : 's'}`;
  // A decoding loop is the model's doing, not the endpoint's: its own status, no "server down" wording.
  if (res.errorKind === 'whitespace_loop')
    return { ...base, status: 'runaway', keyinfo: null, reason: `${res.message} (${attempts})` };
  return { ...base, status: 'failed', keyinfo: null, reason: `${res.errorKind}: ${res.message} (${attempts})` };
}
