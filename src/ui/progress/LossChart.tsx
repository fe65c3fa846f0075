import { Box, Text } from 'ink';
import React from 'react';
import { lossPlot, lossSeries } from '../../present/loss.js';

export function LossChart({
  name,
  points,
  width,
  height,
}: {
  name: string;
  points: Array<[number, number]>;
  width: number;
  height: number;
}) {
  const series = height < 3 ? null : lossSeries(name, points, width);
  if (!series) return null;
  return (
    <Box flexDirection="column">
      <Text bold>
        {series.name}{' '}
        <Text dimColor>
          (step {series.last.step}: {series.last.value})
        </Text>
      </Text>
      <Text>{lossPlot(series, height)}</Text>
    </Box>
  );
}
