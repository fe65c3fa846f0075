import type { EvalReport, Prf } from '../eval/metrics.js';
import type { EvalResult } from '../eval/run.js';
import { esc, fmtPct } from './escape.js';
import { genericHtml, genericMd, mdTable } from './generic.js';

/**
 * Evaluation reports (`cxrvqa eval` JSON) as the tables the terminal prints:
 * P/R/F1 per category, attribute accuracy, the per-entity table. JSON of any
 * other shape falls back to the generic renderer.
 */
const PER_ENTITY_ROWS = 25;

export function isEvalResult(v: unknown): v is EvalResult {
  if (!v || typeof v !== 'object') return false;
  const scopes = (v as { scopes?: unknown }).scopes;
  return (
    !!scopes &&
    typeof scopes === 'object' &&
    Object.values(scopes).every((s) => !!s && typeof s === 'object' && 'categories' in s && 'ids' in s)
  );
}

const pct = fmtPct;

function categoryRows(r: EvalReport): string[][] {
  return Object.entries(r.categories).map(([cat, p]) => {
    const m = p as Prf;
    return [cat, pct(m.precision), pct(m.recall), pct(m.f1), String(m.tp), String(m.fp), String(m.fn)];
  });
}

function attributeRows(r: EvalReport): string[][] {
  return Object.entries(r.attributes).map(([attr, a]) => [
    attr,
    pct(a.accuracy),
    pct(a.overlapAccuracy),
    String(a.total),
  ]);
}

function entityRows(r: EvalReport): string[][] {
  return r.perEntity
    .slice(0, PER_ENTITY_ROWS)
    .map((e) => [
      e.name,
      e.category,
      String(e.support),
      String(e.tp),
      String(e.fp),
      String(e.fn),
      pct(e.precision),
      pct(e.recall),
      pct(e.f1),
    ]);
}

function idsLine(r: EvalReport): string {
  const i = r.ids;
  return `ids: gold ${i.gold}, pred ${i.pred}, matched ${i.matched} (scored), gold-only ${i.goldOnly}, pred-only ${i.predOnly}${i.excluded ? `, excluded ${i.excluded}` : ''}${r.restrictedTo ? ` · restricted to ${r.restrictedTo.length} entities` : ''}`;
}

const CAT_HEAD = ['category', 'precision', 'recall', 'F1', 'tp', 'fp', 'fn'];
const ATTR_HEAD = ['attribute', 'exact', 'overlap', 'n'];
const ENT_HEAD = ['entity', 'category', 'support', 'tp', 'fp', 'fn', 'P', 'R', 'F1'];

function htmlTable(head: string[], rows: string[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map(
      (r) =>
        `<tr>${r.map((c, i) => `<td${i > 0 && /^[\d.%-]+$/.test(c) ? ' class="n"' : ''}>${esc(c)}</td>`).join('')}</tr>`,
    )
    .join('')}</tbody></table>`;
}

export function evalHtml(data: unknown): string {
  if (!isEvalResult(data)) return genericHtml(data);
  const parts = [`<p class="muted">gold: ${esc(data.gold)} · pred: ${esc(data.pred)}</p>`];
  for (const [scope, r] of Object.entries(data.scopes)) {
    parts.push(
      `<h4>${esc(scope)}</h4><p class="muted">${esc(idsLine(r))}</p>`,
      htmlTable(CAT_HEAD, categoryRows(r)),
      `<p class="muted">attributes on matched positives</p>`,
      htmlTable(ATTR_HEAD, attributeRows(r)),
      `<details><summary>per entity (top ${Math.min(PER_ENTITY_ROWS, r.perEntity.length)} of ${r.perEntity.length})</summary>${htmlTable(ENT_HEAD, entityRows(r))}</details>`,
    );
  }
  return parts.join('');
}

export function evalMd(data: unknown): string {
  if (!isEvalResult(data)) return genericMd(data);
  const parts = [`gold: ${data.gold} · pred: ${data.pred}\n`];
  for (const [scope, r] of Object.entries(data.scopes)) {
    parts.push(
      `#### ${scope}\n`,
      `${idsLine(r)}\n`,
      mdTable(CAT_HEAD, categoryRows(r)),
      mdTable(ATTR_HEAD, attributeRows(r)),
      mdTable(ENT_HEAD, entityRows(r)),
    );
  }
  return parts.join('\n');
}
