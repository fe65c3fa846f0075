import asciichart from 'asciichart';
import { Box, Text } from 'ink';
import React from 'react';

/** Resample a series to at most `width` points (the chart is one column per point). */
export function resample(ys: number[], width: number): number[] {
  if (ys.length <= width) return ys;
  const out: number[] = [];
  for (let i = 0; i < width; i++) out.push(ys[Math.floor((i * ys.length) / width)]!);
  out[out.length - 1] = ys[ys.length - 1]!;
  return out;
}

export function LossChart({ name, points, width, height }: { name: string; points: Array<[number, number]>; width: number; height: number }) {
  if (points.length < 2 || height < 3) return null;
  const ys = resample(
    points.map((p) => p[1]),
    Math.max(10, width - 12),
  );
  const chart = asciichart.plot(ys, { height: height - 2, format: (x) => x.toFixed(3).padStart(8) });
  const last = points[points.length - 1]!;
  return (
    <Box flexDirection="column">
      <Text bold>
        {name} <Text dimColor>(step {last[0]}: {last[1].toFixed(4)})</Text>
      </Text>
      <Text>{chart}</Text>
    </Box>
  );
}
