import asciichart from 'asciichart';
import type { LossPoint } from './loss.js';

/**
 * Loss as a terminal chart for the headless log (the Ink app draws the live
 * chart from the metric events). Long series are averaged into `width` buckets.
 */
export function lossChart(points: readonly LossPoint[], opts: { width?: number; height?: number } = {}): string {
  if (points.length === 0) return '(no loss values logged)';
  const width = opts.width ?? 60;
  const values = bucketMeans(
    points.map((p) => p.loss),
    width,
  );
  const chart = values.length === 1 ? `loss ${values[0]!.toFixed(4)}` : plotSeries(values, opts.height ?? 10);
  const first = points[0]!;
  const last = points[points.length - 1]!;
  return `${chart}\nloss ${first.loss.toFixed(4)} at step ${first.step} → ${last.loss.toFixed(4)} at step ${last.step} (${points.length} points)`;
}

/** A series as an ASCII line chart `height` rows tall, one column per value (the headless log and the app draw alike). */
export function plotSeries(values: readonly number[], height: number): string {
  return asciichart.plot(values.slice(), { height, format: (x: number) => x.toFixed(3).padStart(8) });
}

/** Averages of `width` equal buckets: long series shrink to the chart's width without dropping spikes' weight. */
export function bucketMeans(values: readonly number[], width: number): number[] {
  if (values.length <= width) return values.slice();
  const out: number[] = [];
  for (let b = 0; b < width; b++) {
    const from = Math.floor((b * values.length) / width);
    const to = Math.floor(((b + 1) * values.length) / width);
    let sum = 0;
    for (let i = from; i < to; i++) sum += values[i]!;
    out.push(sum / Math.max(1, to - from));
  }
  return out;
}
