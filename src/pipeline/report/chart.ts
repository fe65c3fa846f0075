import { fmtNum } from '../util/format.js';
import { esc } from './escape.js';

export interface BarSeries {
  name: string;
  color: string;
}

export interface BarRow {
  label: string;
  /** One value per series. */
  values: number[];
  /** Text shown after each bar (defaults to the value). */
  texts?: string[];
}

/**
 * A horizontal grouped bar chart as inline SVG (no scripts, no external assets),
 * so the report stays one self-contained file. Each series is scaled to its own
 * maximum when `perSeriesScale` is set (counts of different magnitudes side by side).
 */
export function barChart(
  rows: BarRow[],
  series: BarSeries[],
  opts: { title: string; perSeriesScale?: boolean; width?: number } = { title: '' },
): string {
  // Label and value columns are as wide as their longest text, so neither is clipped by the SVG's edge.
  const labelChars = Math.min(LABEL_MAX, Math.max(1, ...rows.map((r) => r.label.length)));
  const labelW = Math.ceil(labelChars * CHAR_W) + 12;
  const texts = rows.flatMap((r) => series.map((_, si) => r.texts?.[si] ?? fmtNum(r.values[si] ?? 0)));
  const textW = Math.ceil(Math.max(1, ...texts.map((t) => t.length)) * CHAR_W) + 10;
  const width = Math.max(opts.width ?? 640, labelW + textW + MIN_PLOT_W);
  const barH = 14;
  const gap = 8;
  const groupH = series.length * barH + gap;
  const legendH = series.length > 1 ? 22 : 0;
  const height = legendH + rows.length * groupH + 6;
  const plotW = width - labelW - textW;
  const max = series.map((_, si) =>
    opts.perSeriesScale
      ? Math.max(1e-12, ...rows.map((r) => r.values[si] ?? 0))
      : Math.max(1e-12, ...rows.flatMap((r) => r.values)),
  );
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(opts.title)}">`,
  );
  parts.push(`<title>${esc(opts.title)}</title>`);
  if (legendH) {
    series.forEach((s, i) => {
      const x = labelW + i * 160;
      parts.push(
        `<rect x="${x}" y="4" width="12" height="12" fill="${esc(s.color)}"/><text x="${x + 16}" y="14" class="lg">${esc(s.name)}</text>`,
      );
    });
  }
  rows.forEach((r, ri) => {
    const y0 = legendH + ri * groupH;
    parts.push(
      `<text x="${labelW - 6}" y="${y0 + (series.length * barH) / 2 + 4}" text-anchor="end" class="lb">${r.label.length > LABEL_MAX ? `<title>${esc(r.label)}</title>` : ''}${esc(truncate(r.label, LABEL_MAX))}</text>`,
    );
    series.forEach((s, si) => {
      const v = r.values[si] ?? 0;
      const w = Math.max(v > 0 ? 1 : 0, (plotW * v) / max[si]!);
      const y = y0 + si * barH;
      parts.push(`<rect x="${labelW}" y="${y}" width="${w.toFixed(1)}" height="${barH - 2}" fill="${esc(s.color)}"/>`);
      parts.push(
        `<text x="${labelW + w + 4}" y="${y + barH - 4}" class="vl">${esc(r.texts?.[si] ?? fmtNum(v))}</text>`,
      );
    });
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Average advance of the chart's 12px sans-serif text, rounded up so estimates err wide. */
const CHAR_W = 7.2;
/** Longer labels are cut (the whole label is the text's tooltip). */
const LABEL_MAX = 40;
const MIN_PLOT_W = 240;

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** A text bar for Markdown and terminals. */
export function textBar(value: number, max: number, width = 24): string {
  if (max <= 0) return '';
  const n = Math.round((width * value) / max);
  return '█'.repeat(n) || (value > 0 ? '▏' : '');
}
