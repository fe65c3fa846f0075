import { parseKeyInfo } from '../extract/parse.js';
import { extractJsonObject } from '../llm/json.js';

/** What the JSON repair did to a reply: the steps it applied and a line diff of the text against its result. */
export interface RepairView {
  /** Text-level steps (fence and prose removal, trailing commas, quotes…) then key-level ones (renames, fills). */
  steps: string[];
  /** The reply text against the repaired JSON, line by line. */
  diff: DiffLine[];
}

export interface DiffLine {
  op: ' ' | '-' | '+';
  text: string;
}

/** Above this many lines per side the diff is not worth the quadratic table: both sides are listed whole. */
const MAX_DIFF_LINES = 400;

/**
 * The repair of one reply, recomputed from its text with the same code that judged it
 * (docs/method.md §4); null when the text parsed as it was or did not parse at all.
 */
export function repairOf(text: string, finishReason: string | null): RepairView | null {
  const got = extractJsonObject(text, { truncated: finishReason === 'length' });
  if (!got.ok) return null;
  const parsed = parseKeyInfo(text, finishReason ? { finishReason } : {});
  const keyLevel = parsed.status === 'repaired' && parsed.reason ? keySteps(parsed.reason, got.repairs) : [];
  const steps = [...got.repairs, ...keyLevel];
  if (steps.length === 0) return null;
  const repaired = JSON.stringify(parsed.keyinfo ?? got.value, null, 2);
  return { steps, diff: lineDiff(text, repaired) };
}

/** The parse reason joins text-level and key-level steps with "; ": keep the ones the text repair did not list. */
function keySteps(reason: string, textSteps: readonly string[]): string[] {
  let rest = reason;
  for (const s of textSteps) rest = rest.replace(s, '');
  return rest
    .replace(/^(;\s*)+|(;\s*)+$/g, '')
    .split(/;\s*(?=renamed keys|filled empty|split no_entity|unwrapped ")/)
    .map((x) => x.trim())
    .filter(Boolean);
}

/** A minimal line diff (longest common subsequence); replies are short, so the table stays small. */
export function lineDiff(before: string, after: string): DiffLine[] {
  const a = before.split('\n');
  const b = after.split('\n');
  if (a.length > MAX_DIFF_LINES || b.length > MAX_DIFF_LINES)
    return [...a.map((text) => ({ op: '-' as const, text })), ...b.map((text) => ({ op: '+' as const, text }))];
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push({ op: ' ', text: a[i]! });
      i++;
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) out.push({ op: '-', text: a[i++]! });
    else out.push({ op: '+', text: b[j++]! });
  }
  while (i < a.length) out.push({ op: '-', text: a[i++]! });
  while (j < b.length) out.push({ op: '+', text: b[j++]! });
  return out;
}
