/**
 * Section selection (docs/method.md §2): which part of a report the model and the
 * rule-based extractor read. Pure functions over the normalized report text.
 *
 * Header tests are case-sensitive, as in the original: MIMIC headers are upper
 * case, and the CSV/JSONL readers write upper-case headers when they assemble
 * a text from columns.
 */

export interface SectionCut {
  text: string;
  /** Offset of `text` inside the full report, or -1 when it was assembled from parts. */
  offset: number;
}

/** Paragraphs holding any of these are headers/context, never the findings body. */
const EXCLUDED_MARKERS = ['WET READ', 'INDICATION', 'EXAM', 'COMPARISON', 'HISTORY'] as const;

interface Paragraph {
  text: string;
  offset: number;
}

/** Split on blank lines (MIMIC blank lines often hold a space), trimming each paragraph. */
export function paragraphs(text: string): Paragraph[] {
  const out: Paragraph[] = [];
  const sep = /\n[ \t\r]*\n/g;
  let start = 0;
  const push = (from: number, to: number) => {
    const raw = text.slice(from, to);
    const lead = raw.length - raw.trimStart().length;
    const body = raw.trim();
    if (body) out.push({ text: body, offset: from + lead });
  };
  for (let m = sep.exec(text); m; m = sep.exec(text)) {
    push(start, m.index);
    start = m.index + m[0].length;
  }
  push(start, text.length);
  return out;
}

/** The impression body: what follows the first `IMPRESSION` header (colon optional), trimmed. */
function impressionOf(text: string): Paragraph | null {
  const m = /IMPRESSION:?/.exec(text);
  if (!m) return null;
  const after = m.index + m[0].length;
  const raw = text.slice(after);
  const lead = raw.length - raw.trimStart().length;
  return { text: raw.trim(), offset: after + lead };
}

/** LLM form of §2: FINDINGS to the end, else the longest plain paragraph (with the impression rules), else all. */
export function selectSections(text: string): SectionCut {
  const findings = text.indexOf('FINDINGS:');
  if (findings >= 0) return { text: text.slice(findings).trimEnd(), offset: findings };

  // Stable sort: among equally long paragraphs the earlier one wins.
  const candidates = paragraphs(text)
    .filter((p) => !EXCLUDED_MARKERS.some((mark) => p.text.includes(mark)))
    .sort((a, b) => b.text.length - a.text.length);
  const best = candidates[0];
  if (!best) return { text, offset: 0 };

  const impression = text.includes('IMPRESSION') ? impressionOf(text) : null;
  if (!impression || best.text.includes('IMPRESSION') || impression.text === '') return best;
  if (impression.text.includes(best.text)) return impression;
  if (best.text.includes(impression.text)) return best;
  return { text: `${best.text}\n${impression.text}`, offset: -1 };
}

/** Rule form of §2: from FINDINGS:, else from IMPRESSION:, else the whole text. */
export function ruleCut(text: string): SectionCut {
  for (const header of ['FINDINGS:', 'IMPRESSION:']) {
    const at = text.indexOf(header);
    if (at >= 0) return { text: text.slice(at).trimEnd(), offset: at };
  }
  return { text, offset: 0 };
}
