import { Box, Text } from 'ink';
import React, { useEffect, useMemo, useState } from 'react';
import { type StudyDetail, studyExchanges, type StudyExchanges, warmResponseCache } from '../../pipeline/index.js';
import { useUiActions } from '../state/context.js';
import { paneLines, type PaneLine } from './llmLines.js';

const COLOR: Record<NonNullable<PaneLine['style']>, { color?: string; dimColor?: boolean; bold?: boolean }> = {
  head: { color: 'cyan' },
  selected: { bold: true },
  dim: { dimColor: true },
  add: { color: 'green' },
  del: { color: 'red' },
  warn: { color: 'yellow' },
  ok: { color: 'green', dimColor: true },
};

/** Width the pane wraps to: one cell is left free so a full row never wraps in the terminal. */
export const paneWidth = (columns: number) => Math.max(20, columns - 1);

/**
 * The LLM requests behind the open study, one per row; the selected one is expanded
 * (messages, reply, repair, tokens, latency, endpoint, cache). `[` `]` pick, ↑↓ scroll.
 */
export function LlmPane({
  data,
  selected,
  scroll,
  height,
  columns,
}: {
  data: StudyExchanges | string;
  selected: number;
  scroll: number;
  height: number;
  columns: number;
}) {
  // Wrapped once per request picked or width, not on every scroll key (messages can be long).
  const lines = useMemo(
    () => (typeof data === 'string' ? [] : paneLines(data, selected, paneWidth(columns))),
    [data, selected, columns],
  );
  if (typeof data === 'string') return <Text color="red">Cannot read the LLM requests: {data}</Text>;
  if (data.exchanges.length === 0) return <Text dimColor>{data.note}</Text>;
  const rows = Math.max(1, height - 1);
  const start = Math.min(scroll, Math.max(0, lines.length - rows));
  return (
    <Box flexDirection="column">
      {lines.slice(start, start + rows).map((l, i) => (
        <Text key={start + i} wrap="truncate" {...(l.style ? COLOR[l.style] : {})}>
          {l.text || ' '}
        </Text>
      ))}
      <Text dimColor wrap="truncate">
        {`[ ] request ${selected + 1}/${data.exchanges.length} · ↑↓ scroll · row ${start + 1}/${lines.length}`}
      </Text>
    </Box>
  );
}

/** The scroll position that puts exchange `i`'s header at the top. */
export function headerRow(data: StudyExchanges, i: number, columns: number): number {
  return Math.max(
    0,
    paneLines(data, i, paneWidth(columns)).findIndex((l) => l.header === i),
  );
}

/**
 * The study's exchanges once the pane is shown (null while the response cache is read):
 * the cache index is built first without blocking the keyboard, then the messages are rebuilt.
 */
export function useStudyExchanges(detail: StudyDetail, shown: boolean): StudyExchanges | string | null {
  const { controller } = useUiActions();
  const [cacheRead, setCacheRead] = useState(false);
  useEffect(() => {
    if (!shown) return;
    let live = true;
    const done = () => live && setCacheRead(true);
    warmResponseCache(controller.run).then(done, done);
    return () => {
      live = false;
    };
  }, [shown, controller]);
  return useMemo(() => {
    if (!shown || !cacheRead) return null;
    try {
      return studyExchanges(controller.run, detail);
    } catch (err) {
      return (err as Error).message;
    }
  }, [shown, cacheRead, controller, detail]);
}
