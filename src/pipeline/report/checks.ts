import type { DatasetChecks } from '../dataset/step.js';
import { esc, fmtNum, fmtPct, mdCell } from './escape.js';
import { mdTable } from './generic.js';

/** The check step's results in the run report: consistency violations by rule, then bias per type. */

const pct = (v: number | null) => (v === null ? '-' : fmtPct(v));
const BIAS_HEAD = [
  'type',
  'pairs',
  'yes share',
  'entropy (bits)',
  'top answers',
  'most asked entities',
  'baseline by template',
  'baseline by question',
  '',
];

function biasCells(c: DatasetChecks): string[][] {
  return c.bias.by_type.map((t) => [
    t.type,
    fmtNum(t.count),
    pct(t.yes_share),
    t.entropy_bits.toFixed(2),
    t.top_answers
      .slice(0, 3)
      .map(([a, n]) => `${a} (${fmtNum(n)})`)
      .join(', '),
    t.top_entities
      .slice(0, 3)
      .map(([e, n]) => `${e} (${fmtNum(n)})`)
      .join(', '),
    pct(t.baseline.template_accuracy),
    pct(t.baseline.question_accuracy),
    t.flagged ? 'answerable without the image' : '',
  ]);
}

function baselineNote(c: DatasetChecks): string {
  const b = c.bias;
  return b.score_split
    ? `Question-only baseline: the majority answer per question text (or template) fitted on ${b.fit_split}, scored on ${b.score_split}; types above ${fmtPct(b.threshold)} are flagged.`
    : 'Question-only baseline: no test or validate pairs to score it on.';
}

const broken = (c: DatasetChecks) => Object.entries(c.check.by_rule).filter(([, r]) => r.count > 0);

/** One row per broken rule: its count and first example. */
function ruleRows(rules: ReturnType<typeof broken>): string[][] {
  return rules.map(([k, r]) => [
    k,
    fmtNum(r.count),
    r.examples[0] ? `${r.examples[0].question} → ${r.examples[0].answer} (${r.examples[0].detail})` : '',
  ]);
}

export function checksMd(c: DatasetChecks | null): string {
  if (!c) return 'No dataset checks yet (run the check step: cxrvqa check).\n';
  const out = [`${fmtNum(c.check.violations)} consistency violations in ${fmtNum(c.check.pairs)} pairs.\n`];
  const rules = broken(c);
  if (rules.length) out.push(mdTable(['rule', 'violations', 'example'], ruleRows(rules)));
  out.push(`${mdCell(baselineNote(c))}\n`, mdTable(BIAS_HEAD, biasCells(c)));
  return out.join('\n');
}

export function checksHtml(c: DatasetChecks | null): string {
  if (!c) return '<p class="muted">No dataset checks yet (run the check step: cxrvqa check).</p>';
  const table = (head: string[], rows: string[][]) =>
    `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((x) => `<td>${esc(x)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
  const rules = broken(c);
  return `<p${c.check.violations ? ' class="failed"' : ''}>${esc(fmtNum(c.check.violations))} consistency violations in ${esc(fmtNum(c.check.pairs))} pairs.</p>
${rules.length ? table(['rule', 'violations', 'example'], ruleRows(rules)) : ''}
<p class="muted">${esc(baselineNote(c))}</p>${table(BIAS_HEAD, biasCells(c))}`;
}
