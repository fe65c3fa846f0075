import { Box, Text} from 'ink';
import { useKeys } from '../components/useKeys.js';
import React, { useEffect, useState } from 'react';
import type { ScreenProps } from '../App.js';
import { truncate } from '../components/format.js';
import { useUiActions } from '../state/context.js';
import { addQuestion, emptyStats, STATS_HEADER, statsTable, type DatasetStats } from './stats.js';

const WIDTHS = [12, 8, 7, 7, 7, 7, 7, 6, 8];

export function DatasetView({ height, columns, active }: ScreenProps) {
  const { controller, dispatch } = useUiActions();
  const [stats, setStats] = useState<DatasetStats | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [scroll, setScroll] = useState(0);
  const version = controller.run.state.artifacts.questions?.version ?? 0;

  useEffect(() => {
    let live = true;
    (async () => {
      const s = emptyStats();
      for await (const row of controller.run.artifact<{ study_id: string }>('questions').lines()) addQuestion(s, row as Record<string, unknown>);
      if (live) setStats(s);
    })().catch((err: unknown) => live && setError((err as Error).message));
    return () => {
      live = false;
    };
  }, [controller, version]);

  useKeys(
    (input, key) => {
      if (key.escape) dispatch({ type: 'navigate', screen: 'notebook' });
      else if (key.downArrow || input === 'j') setScroll((x) => x + 1);
      else if (key.upArrow || input === 'k') setScroll((x) => Math.max(0, x - 1));
    },
    { isActive: active },
  );

  if (error) return <Text color="red">Cannot read questions: {error}</Text>;
  if (!stats) return <Text dimColor>Reading questions…</Text>;
  if (stats.total === 0) return <Text color="yellow">No QA pairs yet: run the questions step (Esc, then a runs all steps).</Text>;
  const table = statsTable(stats);
  const cell = (v: string, i: number) => (i === 0 ? v.padEnd(WIDTHS[i]!) : v.padStart(WIDTHS[i]!));
  const samples = [...stats.types.values()].flatMap((t) => t.samples.map((q) => `[${t.type}] ${q.question} → ${q.answer}`));
  const sampleRows = Math.max(1, height - table.length - 4);
  const start = Math.min(scroll, Math.max(0, samples.length - sampleRows));
  return (
    <Box flexDirection="column">
      <Text bold>
        {stats.total.toLocaleString('en-US')} QA pairs · {stats.studies.size.toLocaleString('en-US')} studies
      </Text>
      <Text bold wrap="truncate">
        {truncate(STATS_HEADER.map(cell).join(''), columns)}
      </Text>
      {table.map((r) => (
        <Text key={r[0]} bold={r[0] === 'total'}>
          {truncate(r.map(cell).join(''), columns)}
        </Text>
      ))}
      <Text bold>Samples</Text>
      {samples.slice(start, start + sampleRows).map((l, i) => (
        <Text key={start + i} wrap="truncate">
          {truncate(l, columns)}
        </Text>
      ))}
    </Box>
  );
}
