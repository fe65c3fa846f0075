import type { StepDisplayStatus } from '../../pipeline/index.js';
import cliTruncate from 'cli-truncate';
import stringWidth from 'string-width';
import { fmtNum } from '../../present/format.js';

export const STATUS_LABEL: Record<StepDisplayStatus, string> = {
  not_run: 'not run',
  running: 'running',
  done: 'done',
  stale: 'stale',
  warning: 'warning',
  failed: 'failed',
  interrupted: 'interrupted',
};

export const STATUS_ICON: Record<StepDisplayStatus, string> = {
  not_run: '○',
  running: '◐',
  done: '●',
  stale: '◎',
  warning: '▲',
  failed: '✗',
  interrupted: '‖',
};

export const STATUS_COLOR: Record<StepDisplayStatus, string> = {
  not_run: 'gray',
  running: 'cyan',
  done: 'green',
  stale: 'yellow',
  warning: '#ff8700',
  failed: 'red',
  interrupted: 'magenta',
};

/**
 * Cut to `width` terminal cells with an ellipsis. Cells, not UTF-16 units: a CJK
 * character or an emoji takes two cells, a combining accent none.
 */
export function truncate(s: string, width: number): string {
  if (width <= 0) return '';
  if (stringWidth(s) <= width) return s;
  return cliTruncate(s, width, { truncationCharacter: '…' });
}

/** Cut or fill to exactly `width` cells. */
export function pad(s: string, width: number): string {
  const cut = truncate(s, width);
  return cut + ' '.repeat(Math.max(0, width - stringWidth(cut)));
}

/** "3m ago", "2h ago", "5d ago" relative to now. */
export function ago(iso: string | null, now = Date.now()): string {
  if (!iso) return '';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

export function countsLine(counts: Record<string, number>, max = 3): string {
  return Object.entries(counts)
    .slice(0, max)
    .map(([k, v]) => `${k}=${fmtNum(v)}`)
    .join(' ');
}

/** Start of a window of `size` rows that keeps `cursor` visible. */
export function windowStart(cursor: number, total: number, size: number): number {
  if (total <= size) return 0;
  const half = Math.floor(size / 2);
  return Math.max(0, Math.min(total - size, cursor - half));
}
