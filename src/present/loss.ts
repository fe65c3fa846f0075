import { bucketMeans, plotSeries } from '../pipeline/index.js';

/** A metric series ready to draw: one value per chart column and the latest point for the title. */
export interface LossSeries {
  name: string;
  values: number[];
  last: { step: number; value: string };
}

/** Chart columns left after the axis labels. */
const AXIS_WIDTH = 12;

/**
 * Shrink a series to the width available, averaging buckets the way the
 * headless training log does, so both front ends draw the same curve.
 */
export function lossSeries(
  name: string,
  points: ReadonlyArray<readonly [step: number, value: number]>,
  width: number,
): LossSeries | null {
  if (points.length < 2) return null;
  const last = points[points.length - 1]!;
  const values = bucketMeans(
    points.map((p) => p[1]),
    Math.max(10, width - AXIS_WIDTH),
  );
  return { name, values, last: { step: last[0], value: last[1].toFixed(4) } };
}

/** The series as text rows: `height - 1` of them, so with its title line the chart fills `height`. */
export function lossPlot(series: LossSeries, height: number): string {
  return plotSeries(series.values, Math.max(1, height - 2));
}
