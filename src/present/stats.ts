import { fmtNum, fmtPct, TYPE_CELL_HEADERS, typeCells, type DatasetStats } from '../pipeline/index.js';

/** Columns of a statistics row, as `typeCells` lays them out. */
export const STATS_COLUMNS = TYPE_CELL_HEADERS;
export type StatsColumn = (typeof STATS_COLUMNS)[number];

export interface StatsTable {
  rows: Array<Record<StatsColumn, string>>;
  total: Record<StatsColumn, string>;
}

const named = (cells: string[]): Record<StatsColumn, string> =>
  Object.fromEntries(STATS_COLUMNS.map((c, i) => [c, cells[i] ?? ''])) as Record<StatsColumn, string>;

/**
 * Statistics as named cells, one row per question type the run produced
 * (most frequent first) and a total row. The cells are the ones `cxrvqa stats`
 * and the run report print, so every view shows the same figures.
 */
export function statsRows(stats: DatasetStats): StatsTable {
  const produced = stats.by_type.filter((t) => t.count > 0).sort((a, b) => b.count - a.count);
  const open = produced.reduce((n, t) => n + t.open, 0);
  const closed = produced.reduce((n, t) => n + t.closed, 0);
  const yes = produced.reduce((n, t) => n + t.yes, 0);
  const total = named([
    'total',
    fmtNum(stats.total),
    // The share column of the total row reads as a whole, as the Dataset screen always showed it.
    stats.total ? '100%' : '-',
    fmtNum(open),
    fmtNum(closed),
    closed ? fmtPct(yes / closed) : '-',
    closed ? fmtPct((closed - yes) / closed) : '-',
    fmtNum(stats.subjects),
    fmtNum(stats.answer_vocab),
    fmtNum(stats.release.total),
    fmtPct(1),
  ]);
  return { rows: produced.map((t) => named(typeCells(t))), total };
}
