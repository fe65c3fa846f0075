/** HTML-escape text from the run (report text, entity names, params): nothing from a run is trusted markup. */
export function esc(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Markdown table cell: pipes and newlines would break the table. */
export function mdCell(value: unknown): string {
  return String(value ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, ' ');
}

import { formatDuration } from '../util/format.js';

export { fmtNum, fmtPct } from '../util/format.js';

/** A step's duration in the one format (`5m12s`); `-` when it never ran. */
export function fmtMs(ms: number | null): string {
  return ms === null ? '-' : formatDuration(ms / 1000);
}
