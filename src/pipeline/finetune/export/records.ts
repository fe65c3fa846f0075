import { keyInfoJson, validateOutputString, type TargetKeyInfo } from '../gold/usable.js';
import type { PromptMessages } from '../templates/render.js';

/**
 * Fine-tuning records. Layout (alpaca): `system` = the simple prompt,
 * `instruction` = "", `input` = the selected report text, `output` = KeyInfo
 * JSON. LLaMA-Factory builds the user turn from the non-empty ones of
 * instruction and input joined by "\n", so the trained turns are
 * [system: prompt, user: report] — exactly what the extract step sends. (The
 * original mapped only the report as the prompt and never trained on the
 * system prompt it sent at inference.)
 */

export interface AlpacaRecord {
  system: string;
  instruction: string;
  input: string;
  output: string;
}

export interface ChatJsonlRecord {
  messages: Array<{ role: 'system' | 'user' | 'assistant'; content: string }>;
}

export interface DatasetInfoEntry {
  file_name: string;
  formatting: 'alpaca';
  columns: { prompt: string; query: string; response: string; system: string };
}

export interface ExportSource {
  study_id: string;
  /** Selected report text (docs/method.md §2). */
  text: string;
  keyinfo: TargetKeyInfo;
}

/**
 * Report text exactly as the extract step sends it (`selected`, untrimmed).
 * Hugging Face's Llama 2/3 chat templates trim message content and
 * LLaMA-Factory does not; serving with the training template (the default)
 * keeps them equal, and the parity check shows the difference otherwise.
 */
export function reportForModel(text: string): string {
  return text;
}

export function alpacaRecord(src: ExportSource, systemPrompt: string): AlpacaRecord {
  return { system: systemPrompt, instruction: '', input: reportForModel(src.text), output: keyInfoJson(src.keyinfo) };
}

export function chatRecord(src: ExportSource, systemPrompt: string): ChatJsonlRecord {
  return {
    messages: [
      { role: 'system', content: systemPrompt },
      { role: 'user', content: reportForModel(src.text) },
      { role: 'assistant', content: keyInfoJson(src.keyinfo) },
    ],
  };
}

export function datasetInfoEntry(fileName: string): DatasetInfoEntry {
  return {
    file_name: fileName,
    formatting: 'alpaca',
    columns: { prompt: 'instruction', query: 'input', response: 'output', system: 'system' },
  };
}

/** The turns LLaMA-Factory's alpaca converter builds from a record (data/converter.py). */
export function trainedMessages(rec: AlpacaRecord, entry: DatasetInfoEntry = datasetInfoEntry('x')): PromptMessages {
  const r = rec as unknown as Record<string, string | undefined>;
  const parts = [r[entry.columns.prompt], r[entry.columns.query]].filter((x): x is string => Boolean(x));
  return { system: r[entry.columns.system] || null, user: parts.join('\n') };
}

export type RecordCheck = { ok: true } | { ok: false; reason: string };

/** Validate a record as it will be read back: fields present and the output is strict KeyInfo. */
export function checkAlpaca(rec: AlpacaRecord): RecordCheck {
  if (!rec.input) return { ok: false, reason: 'empty report text' };
  const err = validateOutputString(rec.output);
  return err ? { ok: false, reason: err } : { ok: true };
}

export function checkChat(rec: ChatJsonlRecord): RecordCheck {
  const roles = rec.messages.map((m) => m.role).join(',');
  if (roles !== 'system,user,assistant')
    return { ok: false, reason: `messages must be system,user,assistant (got ${roles})` };
  if (!rec.messages[1]!.content) return { ok: false, reason: 'empty report text' };
  const err = validateOutputString(rec.messages[2]!.content);
  return err ? { ok: false, reason: err } : { ok: true };
}
