import fs from 'node:fs';
import path from 'node:path';
import { sha256 } from '../util/hash.js';
import { promptsPath } from '../util/paths.js';
import { UserError } from '../util/errors.js';
import type { ChatMessage } from './types.js';
import type { Style } from '../schemas/style.js';

/** Bundled extraction prompts (docs/method.md §4), by id. */
export const BUILTIN_PROMPTS: Record<string, string> = {
  simple: 'extract-simple.txt',
  full: 'extract-full.txt',
  'simple-release': 'extract-simple-release.txt',
};

/**
 * The prompt a run's style asks for: `release` swaps the bundled `simple` prompt for the
 * published one's short form (a few lines naming the task and the four keys, in our words);
 * `full` and prompt files are used as given.
 */
export function promptForStyle(idOrPath: string, style: Style): string {
  return style === 'release' && idOrPath === 'simple' ? 'simple-release' : idOrPath;
}

export interface LoadedPrompt {
  id: string;
  file: string;
  text: string;
  /** Short hash of the text, recorded with results so a changed prompt is visible. */
  sha: string;
}

export function promptFile(idOrPath: string): string {
  const builtin = BUILTIN_PROMPTS[idOrPath];
  return builtin ? promptsPath(builtin) : path.resolve(idOrPath);
}

export function loadPrompt(idOrPath: string): LoadedPrompt {
  const file = promptFile(idOrPath);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(
      `The prompt file ${file} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`}.`,
      `Use a built-in prompt (${Object.keys(BUILTIN_PROMPTS).join(', ')}) or a readable file: cxrvqa llm set --prompt ID|PATH`,
    );
  }
  if (!text.trim()) throw new UserError(`The prompt file ${file} is empty.`);
  return { id: idOrPath, file, text: text.trim(), sha: sha256(text).slice(0, 12) };
}

/**
 * Hash of the prompt's current text, for step fingerprints: a prompt file edited
 * in place changes it. Null when the file cannot be read (the step's checks say so).
 */
export function currentPromptSha(idOrPath: string): string | null {
  try {
    return loadPrompt(idOrPath).sha;
  } catch {
    return null;
  }
}

/** The chat sent for one report: the system prompt and the report as the user turn. */
export function extractionMessages(prompt: LoadedPrompt, reportText: string): ChatMessage[] {
  return [
    { role: 'system', content: prompt.text },
    { role: 'user', content: reportText },
  ];
}
