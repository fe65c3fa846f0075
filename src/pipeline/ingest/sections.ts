/**
 * Section selection (docs/method.md §2): which part of a report the model and the
 * rule-based extractor read. Pure functions over the normalized report text.
 *
 * Header tests are case-sensitive, as in the original: MIMIC headers are upper
 * case, and the CSV/JSONL readers write upper-case headers when they assemble
 * a text from columns.
 */
import { DEFAULT_STYLE, type Style } from '../schemas/style.js';

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

/**
 * The impression: what follows the first `IMPRESSION` header (colon optional), trimmed.
 * `release` keeps an `IMPRESSION:` header in the text, as the published model input did;
 * `improved` drops it (the model reads a heading-free body either way).
 */
function impressionOf(text: string, style: Style): Paragraph | null {
  const m = /IMPRESSION:?/.exec(text);
  if (!m) return null;
  const keepHeader = style === 'release' && m[0].endsWith(':');
  const after = keepHeader ? m.index : m.index + m[0].length;
  const raw = text.slice(after);
  const lead = raw.length - raw.trimStart().length;
  return { text: raw.trim(), offset: after + lead };
}

/** LLM form of §2: FINDINGS to the end, else the longest plain paragraph (with the impression rules), else all. */
export function selectSections(text: string, style: Style = DEFAULT_STYLE): SectionCut {
  const findings = text.indexOf('FINDINGS:');
  if (findings >= 0) return { text: text.slice(findings).trimEnd(), offset: findings };

  // Stable sort: among equally long paragraphs the earlier one wins.
  const candidates = paragraphs(text)
    .filter((p) => !EXCLUDED_MARKERS.some((mark) => p.text.includes(mark)))
    .sort((a, b) => b.text.length - a.text.length);
  const best = candidates[0];
  if (!best) return { text, offset: 0 };

  const impression = text.includes('IMPRESSION') ? impressionOf(text, style) : null;
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

// A body-part label as a sentence of its own ("Chest." "2. Left hip:") marks one part of a combined exam.
const BODY_PART = String.raw`(?:(?:left|right|bilateral)\s+)?(chest|ribs?|sternum|clavicles?|thoracic spine|spine|lumbar spine|lumbosacral spine|cervical spine|abdomen|pelvis|hips?|shoulders?|humerus|elbows?|forearms?|wrists?|hands?|femurs?|knees?|tibias?|ankles?|feet|foot|skull|sinuses)`;
const PART_LABEL = new RegExp(String.raw`(?<=^|[.:;!?]\s*|\n\s*|\b\d{1,2}[.)]\s*)${BODY_PART}\s*[.:](?=\s|$)`, 'gi');
/** Parts a chest radiograph shows: the rest of the report belongs to another exam. */
const CHEST_PART = /^(?:chest|ribs?|sternum|clavicles?|thoracic spine|spine)$/;
const SECTION_HEADER = /\b[A-Z][A-Z ]{3,30}:/g;

/**
 * A combined exam ("Chest. ... Left hip. ...") keeps only its chest part: the text
 * from a non-chest body-part label to the next label or section header is blanked
 * with spaces (newlines kept), so offsets into the report still hold. A report
 * without a non-chest label comes back unchanged.
 */
export function chestPartOnly(text: string): string {
  const marks: Array<{ at: number; chest: boolean }> = [];
  let other = false;
  PART_LABEL.lastIndex = 0;
  for (let m = PART_LABEL.exec(text); m; m = PART_LABEL.exec(text)) {
    const chest = CHEST_PART.test(m[1]!.toLowerCase().replace(/\s+/g, ' '));
    other ||= !chest;
    marks.push({ at: m.index, chest });
  }
  if (!other) return text;
  SECTION_HEADER.lastIndex = 0;
  for (let m = SECTION_HEADER.exec(text); m; m = SECTION_HEADER.exec(text)) marks.push({ at: m.index, chest: true });
  marks.sort((a, b) => a.at - b.at);
  let out = '';
  let from = 0;
  for (let i = 0; i < marks.length; i++) {
    const mark = marks[i]!;
    if (mark.chest) continue;
    const to = marks[i + 1]?.at ?? text.length;
    out += text.slice(from, mark.at) + text.slice(mark.at, to).replace(/[^\n]/g, ' ');
    from = to;
  }
  return out + text.slice(from);
}
