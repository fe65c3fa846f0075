import { fmtNum, fmtPct, type DatasetChecks } from '../pipeline/index.js';

const pct = (v: number | null) => (v === null ? '-' : fmtPct(v));

/** One line per question type: answer balance, entropy and the question-only baseline (app and `cxrvqa check`). */
export function biasRows(c: DatasetChecks): string[][] {
  return c.bias.by_type.map((t) => [
    t.type,
    fmtNum(t.count),
    t.yes_share === null ? '-' : fmtPct(t.yes_share),
    t.entropy_bits.toFixed(2),
    pct(t.baseline.template_accuracy),
    pct(t.baseline.question_accuracy),
    t.flagged ? 'image-free' : '',
  ]);
}
export const BIAS_HEADER = ['type', 'pairs', 'yes', 'entropy', 'by tmpl', 'by text', 'flag'];

/** The consistency result in one line, then a line per broken rule with an example. */
export function checkLines(c: DatasetChecks): string[] {
  const out = [`consistency: ${fmtNum(c.check.violations)} violations in ${fmtNum(c.check.pairs)} pairs`];
  for (const [rule, r] of Object.entries(c.check.by_rule)) {
    const e = r.examples[0];
    if (r.count && e)
      out.push(
        `  ${rule}: ${fmtNum(r.count)}, e.g. study ${e.study_id}: "${e.question}" → "${e.answer}" (${e.detail})`,
      );
  }
  const scored = c.bias.score_split
    ? `fitted on ${c.bias.fit_split}, scored on ${c.bias.score_split}`
    : 'no held-out split to score on';
  out.push(
    `question-only baseline (${scored}): ${pct(c.bias.overall.question_accuracy)}; above ${fmtPct(c.bias.threshold)}: ${c.bias.flagged.join(', ') || 'none'}`,
  );
  return out;
}

/** A plain aligned table (the terminal's and the app's). */
export function alignTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}
