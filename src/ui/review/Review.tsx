import { Box, Text } from 'ink';
import { useKeys } from '../components/useKeys.js';
import React, { useMemo, useState } from 'react';
import { useLiveState } from '../components/useLiveState.js';
import type { ScreenProps } from '../App.js';
import { StudyView } from '../inspector/StudyView.js';
import { useJudging, useStudyData } from '../inspector/useStudyData.js';
import { useUiActions, useUiState } from '../state/context.js';
import {
  accuracyTable,
  exportReviewCsv,
  readReviewSession,
  rerunAvailability,
  saveReviewSession,
  seededSample,
  type ReviewSession,
} from '../../pipeline/index.js';
import { formatAccuracy } from '../../present/format.js';

export const DEFAULT_REVIEW_N = 100;
export const DEFAULT_REVIEW_SEED = 1;

export function ReviewView({ height, columns, active }: ScreenProps) {
  const { controller, dispatch } = useUiActions();
  const { typing } = useUiState();
  const run = controller.run;
  const { index, store, error, reload } = useStudyData();
  const [session, setSession, liveSession] = useLiveState<ReviewSession | null>(() => readReviewSession(run));
  const [n, setN] = useState(DEFAULT_REVIEW_N);
  const [showTable, setShowTable] = useState(false);
  const id = session && session.cursor < session.ids.length ? session.ids[session.cursor]! : null;
  const detail = useMemo(() => (index && id && index.has(id) ? index.load(id) : null), [index, id]);
  const judging = useJudging(store, id);
  const finished = session !== null && session.cursor >= session.ids.length;

  const save = (next: ReviewSession) => {
    setSession(next);
    void controller.persist(saveReviewSession(next));
  };
  const details = () => (index && session ? session.ids.filter((x) => index.has(x)).map((x) => index.load(x)) : []);

  useKeys(
    (input, key) => {
      const session = liveSession();
      if (key.escape) {
        if (showTable && !finished) setShowTable(false);
        else dispatch({ type: 'navigate', screen: 'notebook' });
      } else if (!session && index) {
        if (input === '+' || key.rightArrow) setN((x) => x + 10);
        else if (input === '-' || key.leftArrow) setN((x) => Math.max(10, x - 10));
        else if (key.return) {
          const ids = seededSample(index.order, n, DEFAULT_REVIEW_SEED);
          save({ seed: DEFAULT_REVIEW_SEED, n: ids.length, ids, cursor: 0, startedAt: new Date().toISOString() });
        }
      } else if (session) {
        if (key.rightArrow || input === ']')
          save({ ...session, cursor: Math.min(session.ids.length, session.cursor + 1) });
        else if (key.leftArrow || input === '[') save({ ...session, cursor: Math.max(0, session.cursor - 1) });
        else if (input === 't') setShowTable((t) => !t);
        else if (input === 'w' && store) {
          try {
            const out = exportReviewCsv(run.outputDir('review'), details(), store.all());
            dispatch({ type: 'message', text: `wrote ${out.rows} judged findings to ${out.file}` });
          } catch (err) {
            dispatch({ type: 'message', level: 'error', text: (err as Error).message });
          }
        } else if (input === 'R' && finished) save({ ...session, cursor: 0 });
      }
    },
    { isActive: active && !typing },
  );

  if (error) return <Text color="red">Cannot read the artifacts: {error}</Text>;
  if (!index || !store) return <Text dimColor>Indexing artifacts…</Text>;
  if (index.order.length === 0) return <Text color="yellow">No reports yet: run the ingest step first.</Text>;
  if (!session) {
    return (
      <Box flexDirection="column">
        <Text bold>Review a seeded sample of reports</Text>
        <Text>
          Walk {Math.min(n, index.order.length)} of {index.order.length} reports (seed {DEFAULT_REVIEW_SEED}), judging
          each finding correct (c) or incorrect (x).
        </Text>
        <Text>At the end: accuracy per method (rules, LLM, after each cycle) and a CSV export.</Text>
        <Text dimColor>+/- changes the sample size · Enter starts · progress survives restarts</Text>
      </Box>
    );
  }
  if (finished || showTable) {
    const table = accuracyTable(details(), store.all());
    const judgedReports = session.ids.filter((x) => Object.keys(store.get(x)?.judgments ?? {}).length > 0).length;
    return (
      <Box flexDirection="column">
        <Text bold>
          Accuracy per method · {judgedReports}/{session.ids.length} reports judged
          {finished ? ' · review complete' : ''}
        </Text>
        <Text>
          {'method'.padEnd(14)}
          {'judged'.padStart(8)}
          {'correct'.padStart(9)}
          {'accuracy'.padStart(10)}
        </Text>
        {table.length === 0 ? <Text dimColor>no method output in the sampled reports yet</Text> : null}
        {table.map((m) => (
          <Text key={m.method}>
            {m.method.padEnd(14)}
            {String(m.judged).padStart(8)}
            {String(m.correct).padStart(9)}
            {formatAccuracy(m.accuracy).padStart(10)}
          </Text>
        ))}
        <Text dimColor>
          w writes review/review.csv · ← goes back{finished ? ' · R restarts the walk' : ' · t returns to the report'}
        </Text>
      </Box>
    );
  }
  return (
    <Box flexDirection="column">
      <Text color="cyan">
        review {session.cursor + 1}/{session.ids.length} · seed {session.seed} · → next ← previous · t table
      </Text>
      {detail ? (
        <StudyView
          key={id!}
          detail={detail}
          judgment={judging.record}
          onJudge={judging.onJudge}
          onNote={judging.onNote}
          rerun={rerunAvailability(run)}
          onChanged={reload}
          height={height - 1}
          columns={columns}
          active={active}
        />
      ) : (
        <Text color="yellow">Study {id} is no longer in the reports (re-ingested?); → skips it.</Text>
      )}
    </Box>
  );
}
