import fs from 'node:fs';
import { extractionMessages, type LlmProfile } from '../../llm/index.js';
import type { LoadedPrompt } from '../../llm/prompts.js';
import { trainedMessages, type AlpacaRecord } from '../export/records.js';
import type { ModelFamily } from '../templates/families.js';
import { compareTokens } from '../templates/parity.js';
import { trainingPrompt } from '../templates/render.js';
import { tokenize } from './vllm.js';

/**
 * Prompt parity on the live server: the first exported record's training
 * prompt (rendered as LLaMA-Factory does, tokenized as plain text without
 * added special tokens) against the chat the extract step sends for the same
 * report (tokenized by the server with its chat template). Same ids = the
 * model sees at inference exactly what it was trained on.
 */
export async function checkServedParity(
  profile: LlmProfile,
  family: ModelFamily,
  datasetFile: string,
  prompt: LoadedPrompt,
  signal: AbortSignal,
): Promise<{ ok: boolean | null; lines: string[] }> {
  let record: AlpacaRecord | undefined;
  try {
    record = (JSON.parse(fs.readFileSync(datasetFile, 'utf8')) as AlpacaRecord[])[0];
  } catch {
    record = undefined;
  }
  if (!record) return { ok: null, lines: [`prompt parity: no exported record in ${datasetFile}`] };
  const root = profile.endpoints[0]!.url.replace(/\/v1\/?$/, '');
  const model = profile.model!;
  const trained = trainingPrompt(family, trainedMessages(record));
  const messages = extractionMessages(prompt, record.input);
  const a = await tokenize(root, { model, prompt: trained, add_special_tokens: false }, signal);
  const b = await tokenize(root, { model, messages, add_generation_prompt: true }, signal);
  if (a === null || b === null)
    return { ok: null, lines: ['prompt parity: the server has no /tokenize endpoint; not checked on the server'] };
  const cmp = compareTokens(a, b);
  if (cmp.same)
    return { ok: true, lines: [`prompt parity (/tokenize): served chat = trained prompt (${a.length} tokens)`] };
  const at = cmp.firstDiff ?? 0;
  return {
    ok: false,
    lines: [
      `prompt parity (/tokenize): served chat differs from the trained prompt at token ${at} (trained ${a.length} tokens, served ${b.length})`,
      `  trained ids ${JSON.stringify(a.slice(Math.max(0, at - 3), at + 8))}`,
      `  served  ids ${JSON.stringify(b.slice(Math.max(0, at - 3), at + 8))}`,
    ],
  };
}
