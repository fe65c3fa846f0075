/**
 * Compare the prompt a model was trained on with the prompt it is served,
 * and describe the first difference in a few readable lines.
 */
export interface PromptComparison {
  same: boolean;
  /** Index of the first differing character, or null when equal. */
  firstDiff: number | null;
  /** Lines for the log: the differing part of each side with some context. */
  lines: string[];
}

const CONTEXT = 24;

export function comparePrompts(
  training: string,
  inference: string,
  labels = { a: 'training', b: 'inference' },
): PromptComparison {
  if (training === inference)
    return {
      same: true,
      firstDiff: null,
      lines: [`${labels.a} and ${labels.b} prompts are identical (${training.length} chars)`],
    };
  let start = 0;
  while (start < training.length && start < inference.length && training[start] === inference[start]) start++;
  // Common suffix, not overlapping the common prefix, isolates the differing middle.
  let endA = training.length;
  let endB = inference.length;
  while (endA > start && endB > start && training[endA - 1] === inference[endB - 1]) {
    endA--;
    endB--;
  }
  const show = (s: string, end: number) => {
    const from = Math.max(0, start - CONTEXT);
    const before = (from > 0 ? '…' : '') + s.slice(from, start);
    const mid = s.slice(start, end);
    const after = s.slice(end, end + CONTEXT) + (end + CONTEXT < s.length ? '…' : '');
    return `${escape(before)}[[${escape(mid)}]]${escape(after)}`;
  };
  return {
    same: false,
    firstDiff: start,
    lines: [
      `prompts differ at character ${start} (${labels.a} ${training.length} chars, ${labels.b} ${inference.length} chars); differing part in [[ ]]:`,
      `  ${labels.a.padEnd(9)}: ${show(training, endA)}`,
      `  ${labels.b.padEnd(9)}: ${show(inference, endB)}`,
    ],
  };
}

/** Token-level comparison (vLLM /tokenize ids). */
export function compareTokens(a: readonly number[], b: readonly number[]): { same: boolean; firstDiff: number | null } {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return { same: false, firstDiff: i };
  return a.length === b.length ? { same: true, firstDiff: null } : { same: false, firstDiff: n };
}

function escape(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}
