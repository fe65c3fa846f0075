import type { StepDisplayStatus } from '../../pipeline/index.js';
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

export function truncate(s: string, width: number): string {
  if (width <= 0) return '';
  if (s.length <= width) return s;
  return width <= 1 ? s.slice(0, width) : s.slice(0, width - 1) + '…';
}

export function pad(s: string, width: number): string {
  return truncate(s, width).padEnd(width);
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
