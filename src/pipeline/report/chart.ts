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
  const width = opts.width ?? 640;
  const labelW = 190;
  const textW = 90;
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
      `<text x="${labelW - 6}" y="${y0 + (series.length * barH) / 2 + 4}" text-anchor="end" class="lb">${esc(truncate(r.label, 28))}</text>`,
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

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** A text bar for Markdown and terminals. */
export function textBar(value: number, max: number, width = 24): string {
  if (max <= 0) return '';
  const n = Math.round((width * value) / max);
  return '█'.repeat(n) || (value > 0 ? '▏' : '');
}
