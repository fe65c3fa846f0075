/** Numbers as every view prints them (terminal tables, the run report, line logs); null reads '-'. */
export const fmtNum = (n: number | null | undefined): string => (n === null || n === undefined ? '-' : n.toLocaleString('en-US'));
export const fmtPct = (x: number | null | undefined): string => (x === null || x === undefined ? '-' : `${(100 * x).toFixed(1)}%`);
