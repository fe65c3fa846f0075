import { Box, Text } from 'ink';
import { useKeys } from '../components/useKeys.js';
import React, { useEffect, useMemo, useState } from 'react';
import type { ScreenProps } from '../App.js';
import { truncate } from '../components/format.js';
import { useUiActions } from '../state/context.js';
import { datasetOverview, readDatasetChecks, type DatasetChecks, type DatasetOverview } from '../../pipeline/index.js';
import { alignTable, BIAS_HEADER, biasRows, checkLines } from '../../present/checks.js';
import { fmtNum } from '../../present/format.js';
import { statsRows, type StatsColumn } from '../../present/stats.js';

/** The columns that fit a narrow terminal, their headings and widths. */
const COLUMNS: ReadonlyArray<[column: StatsColumn, heading: string, width: number]> = [
  ['type', 'type', 12],
  ['count', 'count', 8],
  ['share', 'share', 7],
  ['open', 'open', 7],
  ['closed', 'closed', 7],
  ['yes', 'yes', 7],
  ['no', 'no', 7],
  ['subjects', 'subj', 6],
  ['vocab', 'answers', 8],
];
const cell = (v: string, i: number) => (i === 0 ? v.padEnd(COLUMNS[i]![2]) : v.padStart(COLUMNS[i]![2]));

export function DatasetView({ height, columns, active }: ScreenProps) {
  const { controller, dispatch } = useUiActions();
  const [overview, setOverview] = useState<DatasetOverview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [scroll, setScroll] = useState(0);
  const version = controller.run.state.artifacts.questions?.version ?? 0;
  const checked = controller.run.state.artifacts['check-violations']?.version ?? 0;

  useEffect(() => {
    let live = true;
    datasetOverview(controller.run)
      .then((o) => live && setOverview(o))
      .catch((err: unknown) => live && setError((err as Error).message));
    return () => {
      live = false;
    };
  }, [controller, version]);

  // Two small JSON files, re-read when the check step writes again.
  const checks: DatasetChecks | null = useMemo(
    () => (checked >= 0 ? readDatasetChecks(controller.run) : null),
    [controller, checked],
  );
  // The check step's results: the consistency line, the baseline line, then the bias table
  // (laid out once per read, not on every scroll key).
  const checkText = useMemo(() => {
    if (!checks) return ['not checked yet: run the check step'];
    const lines = checkLines(checks);
    return [lines[0]!, lines.at(-1)!, ...alignTable(BIAS_HEADER, biasRows(checks))];
  }, [checks]);

  useKeys(
    (input, key) => {
      if (key.escape) dispatch({ type: 'navigate', screen: 'notebook' });
      else if (key.downArrow || input === 'j') setScroll((x) => x + 1);
      else if (key.upArrow || input === 'k') setScroll((x) => Math.max(0, x - 1));
    },
    { isActive: active },
  );

  if (error) return <Text color="red">Cannot read questions: {error}</Text>;
  if (!overview) return <Text dimColor>Reading questions…</Text>;
  const { stats } = overview;
  if (stats.total === 0)
    return <Text color="yellow">No QA pairs yet: run the questions step (Esc, then a runs all steps).</Text>;
  const { rows, total } = statsRows(stats);
  const table = [...rows, total].map((r) => COLUMNS.map(([c]) => r[c]));
  const samples = overview.samples.map((q) => `[${q.type}] ${q.question} → ${q.answer}`);
  const sampleRows = Math.max(1, height - table.length - checkText.length - 5);
  const start = Math.min(scroll, Math.max(0, samples.length - sampleRows));
  return (
    <Box flexDirection="column">
      <Text bold>
        {fmtNum(stats.total)} QA pairs · {fmtNum(stats.studies)} studies
      </Text>
      <Text bold wrap="truncate">
        {truncate(COLUMNS.map(([, heading], i) => cell(heading, i)).join(''), columns)}
      </Text>
      {table.map((r) => (
        <Text key={r[0]} bold={r === table.at(-1)}>
          {truncate(r.map(cell).join(''), columns)}
        </Text>
      ))}
      <Text bold>Checks</Text>
      {checkText.map((l, i) => (
        <Text key={`c${i}`} wrap="truncate" color={i === 0 && checks?.check.violations ? 'red' : undefined}>
          {truncate(l, columns)}
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
