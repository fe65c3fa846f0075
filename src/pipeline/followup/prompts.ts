import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../util/errors.js';
import { sha256 } from '../util/hash.js';
import { promptsPath } from '../util/paths.js';
import type { ChatMessage } from '../llm/types.js';
import type { Polarity } from './schema.js';
import { DEFAULT_STYLE, type Style } from '../schemas/style.js';

/** Bundled follow-up question texts (prompts/), by id; a path to an edited copy works too. */
export const BUILTIN_QUESTIONS: Record<Polarity, string> = {
  positive: 'followup-positive',
  negative: 'followup-negative',
};

export interface QuestionTemplate {
  id: string;
  file: string;
  text: string;
  /** Short hash of the text, shown in the summary so an edited question is visible. */
  sha: string;
}

const PLACEHOLDER = '{entity}';

/**
 * The bundled question file for a style: `release` uses the published follow-up's short
 * questions (the same instruction, in our words); an edited copy (a path) is used as given.
 */
function questionFile(idOrPath: string, style: Style): string {
  if (!/^followup-(positive|negative)$/.test(idOrPath)) return path.resolve(idOrPath);
  return promptsPath(style === 'release' ? `${idOrPath}-release.txt` : `${idOrPath}.txt`);
}

export function loadQuestionTemplate(idOrPath: string, style: Style = DEFAULT_STYLE): QuestionTemplate {
  const file = questionFile(idOrPath, style);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new UserError(
      `The follow-up question file ${file} cannot be read (${(err as NodeJS.ErrnoException).code}).`,
      `Use followup-positive / followup-negative or a readable file: cxrvqa run --set followup.positiveQuestion=PATH`,
    );
  }
  if (!text.includes(PLACEHOLDER)) {
    throw new UserError(
      `The follow-up question file ${file} has no ${PLACEHOLDER} placeholder.`,
      'The finding name is put where {entity} stands; add it to the text.',
    );
  }
  return { id: idOrPath, file, text, sha: sha256(text).slice(0, 12) };
}

/** Hash of a question file's current text for the step fingerprint (null when unreadable: the checks say why). */
export function currentQuestionSha(idOrPath: string, style: Style = DEFAULT_STYLE): string | null {
  try {
    return loadQuestionTemplate(idOrPath, style).sha;
  } catch {
    return null;
  }
}

export function questionText(template: QuestionTemplate, entity: string): string {
  return template.text.split(PLACEHOLDER).join(entity);
}

/** §8 conversation: the extraction's system prompt, the report, the model's current JSON, the question. */
export function followupMessages(
  system: string,
  report: string,
  current: Record<string, unknown>,
  question: string,
): ChatMessage[] {
  return [
    { role: 'system', content: system },
    { role: 'user', content: report },
    { role: 'assistant', content: JSON.stringify(current) },
    { role: 'user', content: question },
  ];
}
