import { Box, Text } from 'ink';
import { useKeys } from '../components/useKeys.js';
import React, { useRef } from 'react';
import type { ProgressSnapshot } from '../../pipeline/index.js';
import { formatDuration, fmtNum, UNKNOWN_COST } from '../../present/format.js';
import { describeProgress } from '../../present/progress.js';
import type { ScreenProps } from '../App.js';
import { STATUS_COLOR, truncate } from '../components/format.js';
import { useUiActions, useUiState } from '../state/context.js';
import { LossChart } from './LossChart.js';
import { rowCounts } from '../components/rowCounts.js';
import { useStall } from '../components/useStall.js';
import type { StartTarget } from '../state/controller.js';
import type { StepRow } from '../state/types.js';

export function ProgressView({ height, columns, active }: ScreenProps) {
  const s = useUiState();
  const { controller, dispatch, live } = useUiActions();
  useKeys(
    (input, key) => {
      if (key.escape) dispatch({ type: 'navigate', screen: 'notebook' });
      else if (input === 's') {
        if (!controller.stop()) dispatch({ type: 'message', text: 'nothing is running' });
      } else if (input === 'r') {
        const target = controller.resumeTarget(live().rows[live().selected]?.id ?? null);
        if (target) void controller.start(target);
      }
    },
    { isActive: active },
  );

  const a = s.activity;
  // Elapsed comes with each event; between events (a slow LLM item) the clock
  // would stand still, so it is advanced here from when the last snapshot arrived.
  const { ticking, stalledFor } = useStall();
  const seen = useRef<{ p: ProgressSnapshot | null; ticking: boolean; at: number }>({
    p: null,
    ticking,
    at: Date.now(),
  });
  if (seen.current.p !== (a?.progress ?? null) || seen.current.ticking !== ticking)
    seen.current = { p: a?.progress ?? null, ticking, at: Date.now() };
  if (!a) {
    const row = s.rows[s.selected];
    return (
      <Box flexDirection="column">
        <Text>Nothing has run in this session.</Text>
        {row ? (
          <Text dimColor wrap="wrap">
            Selected: {row.id} ({row.status}) — {idleHint(row, controller.resumeTarget(row.id))}
          </Text>
        ) : null}
      </Box>
    );
  }
  const p = a.progress;
  const view = describeProgress(p, {
    barWidth: Math.max(10, columns - 30),
    etaKnown: !(a.ended && a.ended.status !== 'done'),
    elapsedSeconds: (p?.elapsedSeconds ?? 0) + (ticking ? (Date.now() - seen.current.at) / 1000 : 0),
  });
  const errors = Object.entries(a.errors);
  const loss = a.metrics.loss ?? Object.values(a.metrics)[0];
  const lossName = a.metrics.loss ? 'loss' : (Object.keys(a.metrics)[0] ?? '');
  const chartHeight = loss && loss.length > 1 ? Math.min(10, Math.max(4, Math.floor(height / 2.5))) : 0;
  const earlier = s.history.filter((h) => h.stepId !== a.stepId || h.status !== a.ended?.status).slice(-4);
  const fixed =
    5 + (errors.length ? 1 : 0) + (view.tokens ? 1 : 0) + chartHeight + (earlier.length ? earlier.length + 1 : 0);
  const logRows = Math.max(1, height - fixed);
  // A result with a warning is never shown as a green done.
  const ended = a.ended?.warning ? 'warning' : a.ended?.status;
  const endColor =
    ended === 'warning' ? STATUS_COLOR.warning : ended === 'done' ? 'green' : ended === 'failed' ? 'red' : 'yellow';
  // No item finished for a while: say so instead of an ETA that stands still (a hung endpoint, a stuck child).
  const stalled = stalledFor !== null;
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>{a.title}</Text>{' '}
        <Text dimColor>
          ({a.stepId}, {a.mode})
        </Text>{' '}
        {a.ended ? (
          <Text color={endColor}>{ended}</Text>
        ) : (
          <Text color={stalled ? 'yellow' : 'cyan'}>{s.stopping ? 'stopping…' : stalled ? 'stalled' : 'running'}</Text>
        )}
      </Text>
      <Text>
        <Text color="cyan">{view.bar}</Text>
        {` ${view.done}/${view.total}${view.percent ? ' ' + view.percent : ''}`}
      </Text>
      <Text wrap="truncate">
        {stalled ? (
          <Text color="yellow">stalled: no progress for {formatDuration(stalledFor)}</Text>
        ) : (
          `rate ${view.rate}/s · eta ${view.eta}`
        )}
        {` · elapsed ${view.elapsed}`}
        {view.counters.length ? ' · ' + view.counters.join(' ') : ''}
      </Text>
      {errors.length ? (
        <Text color="red" wrap="truncate">
          errors: {errors.map(([k, v]) => `${k}=${fmtNum(v)}`).join(' ')}
        </Text>
      ) : null}
      {view.tokens ? (
        <Text>
          tokens in {view.tokens.in} · out {view.tokens.out} · {view.cost ? `cost ${view.cost}` : UNKNOWN_COST}
        </Text>
      ) : null}
      {earlier.length ? <Text dimColor>earlier in this run:</Text> : null}
      {earlier.map((h, i) => (
        <Text key={`${h.stepId}-${i}`} dimColor wrap="truncate">
          {truncate(`${HISTORY_MARK[h.status]} ${h.stepId}: ${h.summary}`, columns)}
        </Text>
      ))}
      {loss && chartHeight ? <LossChart name={lossName} points={loss} width={columns} height={chartHeight} /> : null}
      <Text color={a.ended ? endColor : undefined} wrap="truncate">
        {a.ended ? truncate(a.ended.summary, columns) : ' '}
      </Text>
      {a.logs.slice(-logRows).map((l) => (
        <Text
          key={l.id}
          color={l.level === 'error' ? 'red' : l.level === 'warn' ? 'yellow' : undefined}
          dimColor={l.level === 'info'}
          wrap="truncate"
        >
          {withCount(l.message, l.count, columns)}
        </Text>
      ))}
    </Box>
  );
}

const HISTORY_MARK = { done: '✓', failed: '✗', interrupted: '‖', skipped: '–' } as const;

/** What `r` will do on the selected step, with what a stopped step kept. */
function idleHint(row: StepRow, target: StartTarget | null): string {
  const kept = rowCounts(row, null);
  const stopped = row.status === 'interrupted' || row.status === 'failed' || row.status === 'running';
  if (!stopped) return 'r runs or resumes it.';
  const then = target?.kind === 'all' ? ', then the rest of the run' : '';
  return `${kept ? kept + ' · ' : ''}r resumes it${then}.`;
}

/** A log line cut to the width, its repeat count ("×12") kept visible. */
function withCount(message: string, count: number, columns: number): string {
  const suffix = count > 1 ? ` ×${count}` : '';
  return truncate(message, columns - suffix.length) + suffix;
}
