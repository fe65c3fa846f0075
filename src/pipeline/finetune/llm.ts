import path from 'node:path';
import { parseKeyInfo } from '../extract/parse.js';
import {
  createLlm,
  extractionMessages,
  KEYINFO_RESPONSE_SCHEMA,
  loadPrompt,
  preflightLlm,
  type Llm,
  type LlmProfile,
} from '../llm/index.js';
import type { LoadedPrompt } from '../llm/prompts.js';
import type { ExtractionResult } from '../schemas/extraction.js';
import type { RunEnv, StepEvent } from '../steps/contract.js';
import type { Run } from '../store/run.js';
import { llmEventLogger } from '../llm/eventLog.js';

/**
 * The fine-tune path's one link to the LLM layer: the gold step and the serve
 * smoke test extract through the same stack as the extract step (openai client
 * over HTTP, cache, retries, data-use guard) and parse with the same parser.
 */

export interface Extractor {
  llm: Llm;
  prompt: LoadedPrompt;
  profile: LlmProfile;
  extract(studyId: string, reportText: string, signal: AbortSignal): Promise<ExtractionResult | null>;
  close(): Promise<void>;
}

export async function openExtractor(run: Run, profile: LlmProfile, promptId: string, env: RunEnv, signal: AbortSignal, emit: (e: StepEvent) => void): Promise<Extractor> {
  const prompt = loadPrompt(promptId);
  await preflightLlm(profile, {
    env: env.env,
    confirmations: env.confirmations,
    credentialed: run.state.config.corpus?.credentialed ?? false,
    signal,
  });
  const llm = createLlm(profile, {
    env: env.env,
    cacheDir: path.join(run.dir, 'llm-cache'),
    // Unparseable output is not cached, so a retry of the step asks again.
    accept: (text: string) => parseKeyInfo(text).status !== 'parse_error',
    onEvent: llmEventLogger(emit),
  });
  return {
    llm,
    prompt,
    profile,
    async extract(studyId, reportText, sig) {
      // A signal per request: the openai client leaves an abort listener on the signal it is
      // given, which would pile up on the step's signal (MaxListenersExceededWarning, a slow leak).
      const c = new AbortController();
      const forward = () => c.abort();
      sig.addEventListener('abort', forward, { once: true });
      if (sig.aborted) c.abort();
      let res: Awaited<ReturnType<typeof llm.client.complete>>;
      try {
        res = await llm.client.complete(
          { model: llm.model, messages: extractionMessages(prompt, reportText), params: llm.decoding, responseSchema: KEYINFO_RESPONSE_SCHEMA, tag: studyId },
          { signal: c.signal },
        );
      } finally {
        sig.removeEventListener('abort', forward);
      }
      const at = new Date().toISOString();
      const base = { study_id: studyId, backend: 'llm' as const, model: llm.model, request_key: res.key, at };
      if (res.kind === 'error') {
        if (res.errorKind === 'aborted') return null; // not a result: the report stays to do
        return { ...base, status: 'failed', keyinfo: null, reason: `${res.errorKind}: ${res.message}` };
      }
      if (res.kind === 'filtered') return { ...base, status: 'filtered', keyinfo: null, reason: res.reason };
      const parsed = parseKeyInfo(res.text, { truncated: res.finishReason === 'length' });
      return {
        ...base,
        status: parsed.status,
        keyinfo: parsed.keyinfo,
        ...(parsed.status !== 'ok' ? { raw_text: res.text } : {}),
        ...(parsed.reason ? { reason: parsed.reason } : {}),
        ...(res.usage ? { usage: res.usage } : {}),
      };
    },
    close: () => llm.close(),
  };
}
