import { Box, Text } from 'ink';
import { useKeys } from '../components/useKeys.js';
import { LineInput } from '../components/LineInput.js';
import React, { useMemo, useState } from 'react';
import { useLiveState } from '../components/useLiveState.js';
import type { ScreenProps } from '../App.js';
import { truncate, windowStart } from '../components/format.js';
import { useUiActions, useUiState } from '../state/context.js';
import { StudyView } from './StudyView.js';
import { filterLabel, nextFilter, rerunAvailability, summaryNames, type StudyFilter } from '../../pipeline/index.js';
import { fmtNum } from '../../present/format.js';
import { useJudging, useStudyData } from './useStudyData.js';

export function InspectorView({ height, columns, active }: ScreenProps) {
  const s = useUiState();
  const { controller, dispatch } = useUiActions();
  const { index, store, error, reload } = useStudyData();
  const [query, setQuery] = useState('');
  const [typing, setTyping] = useLiveState(false);
  const [filter, setFilter] = useState<StudyFilter>({ kind: 'all' });
  const [cursor, setCursor, liveCursor] = useLiveState(0);
  const open = s.inspectorStudy && index?.has(s.inspectorStudy) ? s.inspectorStudy : null;
  const results = useMemo(() => (index ? index.search(query, filter) : []), [index, query, filter]);
  const detail = useMemo(() => (index && open ? index.load(open) : null), [index, open]);
  const judging = useJudging(store, open);

  useKeys(
    (input, key) => {
      if (key.escape) dispatch({ type: 'navigate', screen: 'notebook' });
      else if (input === '/') {
        setTyping(true);
        dispatch({ type: 'typing', on: true });
      } else if (input === 'f' && index) {
        setFilter((f) => nextFilter(f, index.cycles));
        setCursor(0);
      } else if (key.upArrow || input === 'k') setCursor((c) => Math.max(0, c - 1));
      else if (key.downArrow || input === 'j') setCursor((c) => Math.min(results.length - 1, c + 1));
      else if (key.pageDown) setCursor((c) => Math.min(results.length - 1, c + height - 3));
      else if (key.pageUp) setCursor((c) => Math.max(0, c - height + 3));
      else if (key.return && results[liveCursor()]) dispatch({ type: 'inspect', studyId: results[liveCursor()]! });
    },
    { isActive: active && !open && !typing },
  );
  useKeys(
    (_i, key) => {
      if (key.escape) {
        setTyping(false);
        dispatch({ type: 'typing', on: false });
      }
    },
    { isActive: active && typing },
  );
  useKeys(
    (_i, key) => {
      if (key.escape) dispatch({ type: 'inspect', studyId: null });
    },
    { isActive: active && Boolean(open) && !s.typing },
  );

  if (error) return <Text color="red">Cannot read the artifacts: {error}</Text>;
  if (!index) return <Text dimColor>Indexing artifacts…</Text>;
  if (index.order.length === 0)
    return <Text color="yellow">No reports yet: run the ingest step first (Esc, then r on ingest).</Text>;
  if (open && detail) {
    return (
      <StudyView
        key={open}
        detail={detail}
        judgment={judging.record}
        onJudge={judging.onJudge}
        onNote={judging.onNote}
        rerun={rerunAvailability(controller.run)}
        onChanged={reload}
        height={height}
        columns={columns}
        active={active}
      />
    );
  }
  const listH = Math.max(1, height - 3);
  const start = windowStart(cursor, results.length, listH);
  return (
    <Box flexDirection="column">
      <Box>
        <Text>find: </Text>
        {typing ? (
          <LineInput
            initial={query}
            onChange={(v) => {
              setQuery(v);
              setCursor(0);
            }}
            onSubmit={() => {
              setTyping(false);
              dispatch({ type: 'typing', on: false });
            }}
            focus={active}
          />
        ) : (
          <Text dimColor>{query || '(/ to search by study id or finding)'}</Text>
        )}
      </Box>
      <Text>
        filter: <Text color="cyan">{filterLabel(filter)}</Text> · {fmtNum(results.length)} of{' '}
        {fmtNum(index.order.length)} reports
      </Text>
      {results.length === 0 ? <Text dimColor>no report matches</Text> : null}
      {results.slice(start, start + listH).map((id, i) => {
        const sm = index.summaries.get(id)!;
        const flags = [
          sm.parseFailed ? 'parse-failed' : '',
          sm.disagrees ? 'disagrees' : '',
          sm.changedCycles.length ? `changed c${sm.changedCycles.join(',')}` : '',
        ]
          .filter(Boolean)
          .join(' ');
        const names = summaryNames(sm).slice(0, 6).join(', ');
        return (
          <Text key={id} inverse={start + i === cursor} wrap="truncate">
            {truncate(
              `${start + i === cursor ? '▸' : ' '} ${id.padEnd(12)} ${flags ? `[${flags}] ` : ''}${names}`,
              columns,
            )}
          </Text>
        );
      })}
    </Box>
  );
}
