/**
 * Text helpers for the rules extractor. Every transformation keeps string
 * length so character offsets found in the processed text are offsets in the
 * original text (evidence spans).
 */

/** Lower-case without changing length: characters whose lower case has another length (e.g. "İ") stay as they are. */
export function safeLower(s: string): string {
  const lower = s.toLowerCase();
  if (lower.length === s.length) return lower;
  let out = '';
  for (const ch of s) {
    const l = ch.toLowerCase();
    out += l.length === ch.length ? l : ch;
  }
  return out;
}

/** docs/method.md §2, rule form: from `FINDINGS:`, else from `IMPRESSION:`, else everything. */
export function ruleCut(text: string): { rule_text: string; rule_offset: number } {
  for (const header of ['FINDINGS:', 'IMPRESSION:']) {
    const i = text.indexOf(header);
    if (i >= 0) return { rule_text: text.slice(i), rule_offset: i };
  }
  return { rule_text: text, rule_offset: 0 };
}

export interface Sentence {
  index: number;
  /** Offset of the sentence in the text it was split from. */
  start: number;
  text: string;
  /** The sentence opens a paragraph (follows a blank line); a skipped header section ends there. */
  paragraph: boolean;
}

/**
 * Split into sentences: at `.`, `?`, `!` and `;` (not a decimal point; a `?` that opens a
 * word, "? edema", asks a question inside the sentence and stays in it), at blank
 * lines, before an upper-case section header (`IMPRESSION:`) and before a
 * numbered or bulleted line. Lines wrapped mid-sentence stay together.
 */
const BOUNDARY =
  /(?:[.!;]|\?(?![ \t]?[A-Za-z])|(?<!^|[\s(:,])\?)+(?!\d)|\n[ \t]*\n|\n(?=[ \t]*(?:\d{1,2}[.)]\s|[-*•]\s))|(?=\b[A-Z][A-Z /&-]{2,40}:)/g;

/** Longest sentence read as one unit. */
export const MAX_SENTENCE = 2000;

export function splitSentences(text: string): Sentence[] {
  const out: Sentence[] = [];
  let last = 0;
  let paragraph = true;
  BOUNDARY.lastIndex = 0;
  let m: RegExpExecArray | null;
  const push = (from: number, to: number): void => {
    // A run-on "sentence" (no punctuation for pages) is read in chunks so scope logic stays linear.
    while (to - from > MAX_SENTENCE) {
      const ws = text.lastIndexOf(' ', from + MAX_SENTENCE - 1);
      const cut = ws > from ? ws + 1 : from + MAX_SENTENCE;
      push(from, cut);
      from = cut;
    }
    const t = text.slice(from, to);
    if (/[a-z0-9]/i.test(t) || /\P{ASCII}/u.test(t)) {
      out.push({ index: out.length, start: from, text: t, paragraph });
      paragraph = false;
    }
  };
  while ((m = BOUNDARY.exec(text)) !== null) {
    const end = m.index + m[0].length;
    push(last, end);
    if (/\n[ \t]*\n/.test(m[0])) paragraph = true;
    last = end;
    if (m[0].length === 0) BOUNDARY.lastIndex++;
  }
  if (last < text.length) push(last, text.length);
  return out;
}
