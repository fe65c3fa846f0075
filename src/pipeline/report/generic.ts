import { fmtNum } from '../util/format.js';
import { esc, mdCell } from './escape.js';

/**
 * Renders JSON the report does not know the shape of (evaluation reports from
 * another area): flat objects as key/value tables, lists of flat objects as
 * tables, nesting as sub-headings, depth and length bounded.
 */
type Prim = string | number | boolean | null;
const isPrim = (v: unknown): v is Prim => v === null || ['string', 'number', 'boolean'].includes(typeof v);
const isFlat = (v: unknown): v is Record<string, unknown> =>
  !!v &&
  typeof v === 'object' &&
  !Array.isArray(v) &&
  Object.values(v as object).every((x) => isPrim(x) || (Array.isArray(x) && x.every(isPrim) && x.length <= 8));

const MAX_ROWS = 50;
const MAX_DEPTH = 4;

export function fmtPrim(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? fmtNum(v) : Number(v.toPrecision(4)).toString();
  if (Array.isArray(v)) return v.map(fmtPrim).join(', ');
  if (v === null) return '-';
  return String(v);
}

function columns(rows: Record<string, unknown>[]): string[] {
  const cols: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!cols.includes(k)) cols.push(k);
  return cols.slice(0, 14);
}

export function genericHtml(v: unknown, depth = 0): string {
  if (isPrim(v)) return `<p><code>${esc(fmtPrim(v))}</code></p>`;
  if (depth >= MAX_DEPTH) return `<pre>${esc(JSON.stringify(v, null, 1).slice(0, 2000))}</pre>`;
  if (Array.isArray(v)) {
    if (v.length === 0) return '<p class="muted">(empty)</p>';
    if (v.every(isPrim))
      return `<p>${esc(v.slice(0, MAX_ROWS).map(fmtPrim).join(', '))}${v.length > MAX_ROWS ? ' …' : ''}</p>`;
    if (v.every(isFlat)) {
      const rows = v.slice(0, MAX_ROWS) as Record<string, unknown>[];
      const cols = columns(rows);
      const head = cols.map((c) => `<th>${esc(c)}</th>`).join('');
      const body = rows.map((r) => `<tr>${cols.map((c) => `<td>${esc(fmtPrim(r[c]))}</td>`).join('')}</tr>`).join('');
      return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>${v.length > MAX_ROWS ? `<p class="muted">${v.length - MAX_ROWS} more rows</p>` : ''}`;
    }
    return `<ol>${v
      .slice(0, 20)
      .map((x) => `<li>${genericHtml(x, depth + 1)}</li>`)
      .join('')}</ol>`;
  }
  const obj = v as Record<string, unknown>;
  if (isFlat(obj)) {
    return `<table class="kv"><tbody>${Object.entries(obj)
      .map(([k, x]) => `<tr><th>${esc(k)}</th><td>${esc(fmtPrim(x))}</td></tr>`)
      .join('')}</tbody></table>`;
  }
  const flat = Object.entries(obj).filter(([, x]) => isPrim(x));
  const nested = Object.entries(obj).filter(([, x]) => !isPrim(x));
  const h = `h${Math.min(6, depth + 4)}`;
  return [
    flat.length ? genericHtml(Object.fromEntries(flat), depth + 1) : '',
    ...nested.map(([k, x]) => `<${h}>${esc(k)}</${h}>${genericHtml(x, depth + 1)}`),
  ].join('');
}

export function genericMd(v: unknown, depth = 0): string {
  if (isPrim(v)) return `\`${fmtPrim(v)}\`\n`;
  if (depth >= MAX_DEPTH) return '```json\n' + JSON.stringify(v, null, 1).slice(0, 2000) + '\n```\n';
  if (Array.isArray(v)) {
    if (v.length === 0) return '(empty)\n';
    if (v.every(isPrim)) return mdCell(v.slice(0, MAX_ROWS).map(fmtPrim).join(', ')) + '\n';
    if (v.every(isFlat)) {
      const rows = v.slice(0, MAX_ROWS) as Record<string, unknown>[];
      const cols = columns(rows);
      return (
        mdTable(
          cols,
          rows.map((r) => cols.map((c) => fmtPrim(r[c]))),
        ) + (v.length > MAX_ROWS ? `\n${v.length - MAX_ROWS} more rows\n` : '')
      );
    }
    return v
      .slice(0, 20)
      .map((x, i) => `${i + 1}.\n\n${genericMd(x, depth + 1)}`)
      .join('\n');
  }
  const obj = v as Record<string, unknown>;
  if (isFlat(obj))
    return mdTable(
      ['key', 'value'],
      Object.entries(obj).map(([k, x]) => [k, fmtPrim(x)]),
    );
  const flat = Object.entries(obj).filter(([, x]) => isPrim(x));
  const nested = Object.entries(obj).filter(([, x]) => !isPrim(x));
  const hashes = '#'.repeat(Math.min(6, depth + 4));
  return [
    flat.length ? genericMd(Object.fromEntries(flat), depth + 1) : '',
    ...nested.map(([k, x]) => `${hashes} ${mdCell(k)}\n\n${genericMd(x, depth + 1)}`),
  ].join('\n');
}

export function mdTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map(mdCell).join(' | ')} |`;
  return [line(header), `| ${header.map(() => '---').join(' | ')} |`, ...rows.map(line)].join('\n') + '\n';
}
