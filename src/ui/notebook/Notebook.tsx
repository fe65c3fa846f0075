import { Box, Text } from 'ink';
import { useKeys } from '../components/useKeys.js';
import React from 'react';
import type { ScreenProps } from '../App.js';
import { ago, pad, STATUS_COLOR, STATUS_ICON, STATUS_LABEL, truncate, windowStart } from '../components/format.js';
import { useUiActions, useUiState } from '../state/context.js';
import type { StepRow } from '../state/types.js';
import { engineView } from '../../present/engine.js';
import type { ProgressSnapshot } from '../../pipeline/index.js';
import { keptLine, rowCounts } from '../components/rowCounts.js';
import { useStall } from '../components/useStall.js';
import { formatDuration } from '../../present/format.js';

/** Screen keys shared with the other top-level screens. */
export const VIEW_KEYS: Record<string, 'progress' | 'inspector' | 'review' | 'dataset'> = {
  p: 'progress',
  i: 'inspector',
  v: 'review',
  d: 'dataset',
};

export function Notebook({ height, columns, active }: ScreenProps) {
  const s = useUiState();
  const { controller, dispatch, live, newRun } = useUiActions();
  const cfg = controller.run.state.config;

  useKeys(
    (input, key) => {
      const cur = live();
      const selected = cur.rows[cur.selected];
      if (key.upArrow || input === 'k') dispatch({ type: 'move', delta: -1 });
      else if (key.downArrow || input === 'j') dispatch({ type: 'move', delta: 1 });
      else if (key.return && selected) dispatch({ type: 'navigate', screen: 'cell' });
      else if (input === 'r' && selected) {
        void controller.start(controller.resumeTarget(selected.id, { session: false })!);
        dispatch({ type: 'navigate', screen: 'progress' });
      } else if (input === 'a') {
        void controller.start({ kind: 'all' });
        dispatch({ type: 'navigate', screen: 'progress' });
      } else if (input === 'c') {
        const fu = cur.rows.find((r) => r.id === 'followup');
        if (!fu) dispatch({ type: 'message', level: 'warn', text: 'no follow-up step in this build' });
        else if (!fu.applies.ok)
          dispatch({
            type: 'message',
            level: 'warn',
            text: `no follow-up cycle: ${fu.applies.reason ?? 'not applicable'}`,
          });
        else {
          void controller.start({ kind: 'cycle' });
          dispatch({ type: 'navigate', screen: 'progress' });
        }
      } else if (input === 's') {
        if (!controller.stop()) dispatch({ type: 'message', text: 'nothing is running' });
      } else if (input === 'n') {
        if (controller.running)
          dispatch({ type: 'message', level: 'warn', text: 'a step is running: s stops it before a new run' });
        else newRun();
      } else if (VIEW_KEYS[input]) dispatch({ type: 'navigate', screen: VIEW_KEYS[input]! });
    },
    { isActive: active },
  );

  const corpus = cfg.corpus
    ? `${cfg.corpus.kind}${cfg.corpus.kind === 'sample' ? '' : ' ' + cfg.corpus.path}`
    : '(none)';
  const cycles = controller.run.state.cycles.filter((c) => c.finishedAt).length;
  // A first-time user sees the steps but not how to start them.
  const fresh = s.loaded && s.rows.length > 0 && s.rows.every((r) => !r.applies.ok || r.status === 'not_run');
  const perCell = 2;
  const visible = Math.max(1, Math.floor((height - 1) / perCell));
  const start = windowStart(s.selected, s.rows.length, visible);
  const shown = s.rows.slice(start, start + visible);
  // A step that stops showing signs of life says so on its row too, not only on the progress screen.
  const { stalledFor } = useStall();
  return (
    <Box flexDirection="column">
      <Text dimColor>
        {truncate(
          `corpus: ${corpus} · backend: ${cfg.backend} · cycles: ${cycles} · ${s.rows.length} steps${fresh ? ' · a runs all steps' : ''}`,
          columns,
        )}
      </Text>
      {!s.loaded ? (
        <Text dimColor>Reading the run…</Text>
      ) : s.rows.length === 0 ? (
        <Text color="yellow">No steps are registered in this build.</Text>
      ) : null}
      {shown.map((row, i) => (
        <Cell
          key={row.id}
          row={row}
          index={start + i}
          selected={start + i === s.selected}
          columns={columns}
          live={s.activity && !s.activity.ended && s.activity.stepId === row.id ? s.activity.progress : null}
          stalledFor={s.activity?.stepId === row.id ? stalledFor : null}
        />
      ))}
    </Box>
  );
}

function Cell({
  row,
  index,
  selected,
  columns,
  live,
  stalledFor,
}: {
  row: StepRow;
  index: number;
  selected: boolean;
  columns: number;
  /** The step's progress while it runs in this process. */
  live: ProgressSnapshot | null;
  /** Seconds without a sign of life, once past the stall limit (null: not stalled). */
  stalledFor: number | null;
}) {
  const when = row.finishedAt
    ? `${ago(row.finishedAt)}${row.durationMs !== null ? ` · ${formatDuration(row.durationMs / 1000)}` : ''}`
    : '';
  // Between a step's start and the next read of the run state, its live progress says it runs.
  const shown = live ? 'running' : row.status;
  const status = row.applies.ok ? STATUS_LABEL[shown] : 'n/a';
  const head = `${selected ? '▸' : ' '}${String(index + 1).padStart(2)} `;
  const countW = Math.max(0, columns - head.length - 2 - 14 - 12 - when.length - 2);
  const counts = rowCounts(row, live);
  const kept = row.status === 'interrupted' ? keptLine(row) : '';
  const second =
    live && stalledFor !== null
      ? `stalled: no progress for ${formatDuration(stalledFor)} (p shows the log)`
      : row.error
        ? `error: ${row.error}`
        : !row.applies.ok
          ? `skipped: ${row.applies.reason ?? 'not applicable'}`
          : row.stale.length
            ? `stale: ${row.stale.join(', ')}`
            : row.status === 'interrupted'
              ? `stopped before the end; r resumes it${kept ? ` (${kept})` : ''}`
              : (row.preview ?? row.summary) || row.description;
  // Which engine carries an LLM step, and where batch / shard work stands, lead its second line.
  const engine = row.engine && row.applies.ok ? engineView(row.engine, { stepDone: row.status === 'done' }) : null;
  const engineTag = engine ? `${engine.tag}${engine.next && !row.error ? ` · next: ${engine.next}` : ''} · ` : '';
  return (
    <Box flexDirection="column">
      <Text inverse={selected} wrap="truncate">
        {head}
        <Text color={STATUS_COLOR[shown]}>{STATUS_ICON[shown]} </Text>
        <Text bold>{pad(row.id, 14)}</Text>
        <Text color={STATUS_COLOR[shown]}>{pad(status, 12)}</Text>
        {pad(counts, countW)} <Text dimColor>{when}</Text>
      </Text>
      <Text
        dimColor={!row.error && stalledFor === null}
        color={row.error ? 'red' : stalledFor !== null ? 'yellow' : undefined}
        wrap="truncate"
      >
        {'     '}
        {truncate(engineTag + second, columns - 6)}
      </Text>
    </Box>
  );
}
