import { Box, Text } from 'ink';
import React from 'react';
import wrapAnsi from 'wrap-ansi';
import type { ScreenProps } from '../App.js';
import { useKeys } from '../components/useKeys.js';
import { useLiveState } from '../components/useLiveState.js';
import { useUiActions, useUiState } from '../state/context.js';
import type { LogLine } from '../state/types.js';

const COLOR = { error: 'red', warn: 'yellow', info: undefined } as const;

/** A message as screen lines: wrapped to the width in terminal cells, never cut. */
export function messageLines(m: LogLine, columns: number): string[] {
  const text = `${m.message}${m.count > 1 ? ` ×${m.count}` : ''}`;
  return wrapAnsi(text, Math.max(10, columns - 2), { hard: true, trim: false }).split('\n');
}

/** Every footer message of this session in full, newest last, scrollable. */
export function MessagesView({ height, columns, active }: ScreenProps) {
  const s = useUiState();
  const { dispatch } = useUiActions();
  const lines = s.messages.flatMap((m) => messageLines(m, columns).map((text, i) => ({ m, text, first: i === 0 })));
  const rows = Math.max(1, height - 1);
  const maxTop = Math.max(0, lines.length - rows);
  // null = follow the newest line.
  const [top, setTop, liveTop] = useLiveState<number | null>(null);
  const at = (t: number | null) => (t === null ? maxTop : Math.min(t, maxTop));
  useKeys(
    (input, key) => {
      const cur = at(liveTop());
      if (key.escape) dispatch({ type: 'navigate', screen: 'notebook' });
      else if (key.upArrow || input === 'k') setTop(Math.max(0, cur - 1));
      else if (key.downArrow || input === 'j') setTop(cur + 1 >= maxTop ? null : cur + 1);
      else if (key.pageUp) setTop(Math.max(0, cur - rows));
      else if (key.pageDown) setTop(cur + rows >= maxTop ? null : cur + rows);
      else if (key.home) setTop(0);
      else if (key.end) setTop(null);
    },
    { isActive: active },
  );
  const start = at(top);
  return (
    <Box flexDirection="column">
      <Text dimColor>
        {s.messages.length
          ? `messages of this session: lines ${start + 1}–${Math.min(lines.length, start + rows)} of ${lines.length}`
          : 'No messages in this session.'}
      </Text>
      {lines.slice(start, start + rows).map((l, i) => (
        <Text key={`${l.m.id}-${start + i}`} color={COLOR[l.m.level]}>
          {l.first ? '• ' : '  '}
          {l.text}
        </Text>
      ))}
    </Box>
  );
}
