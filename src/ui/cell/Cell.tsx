import { Box, Text } from 'ink';
import { useKeys } from '../components/useKeys.js';
import { LineInput } from '../components/LineInput.js';
import React, { useState } from 'react';
import { useLiveState } from '../components/useLiveState.js';
import { artifactName, effectiveParams } from '../../pipeline/index.js';
import type { ScreenProps } from '../App.js';
import { ago, countsLine, STATUS_COLOR, STATUS_LABEL, truncate, windowStart } from '../components/format.js';
import { useUiActions, useUiState } from '../state/context.js';
import { formatParamValue } from './params.js';
import { hasColumnMapping, IngestMapping } from '../wizard/IngestMapping.js';
import { engineLine, engineView } from '../../present/engine.js';

export function CellView({ height, columns, active }: ScreenProps) {
  const s = useUiState();
  const { controller, dispatch } = useUiActions();
  const row = s.rows[s.selected];
  const step = controller.steps.find((st) => st.id === row?.id);
  const [cursor, setCursor, liveCursor] = useLiveState(0);
  const [editing, setEditing] = useLiveState<string | null>(null);
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | null>(null);
  // The ingest cell of a CSV/JSONL run also edits the column mapping (m).
  const [mapping, setMapping, liveMapping] = useLiveState(false);
  const corpus = controller.run.state.config.corpus;
  const mappable = row?.id === 'ingest' && hasColumnMapping(corpus) && !controller.run.readOnly;

  let params: Record<string, unknown> = {};
  let paramsError: string | null = null;
  if (step) {
    try {
      params = effectiveParams(controller.run, step);
    } catch (err) {
      paramsError = (err as Error).message.split('\n')[0] ?? 'invalid params';
      params = controller.run.state.steps[step.id]?.params ?? {};
    }
  }
  const keys = Object.keys(params);

  const stopEditing = () => {
    setEditing(null);
    dispatch({ type: 'typing', on: false });
  };

  useKeys(
    (input, key) => {
      if (!row || !step) {
        if (key.escape) dispatch({ type: 'navigate', screen: 'notebook' });
        return;
      }
      if (key.escape) dispatch({ type: 'navigate', screen: 'notebook' });
      else if (key.upArrow || input === 'k') setCursor((c) => Math.max(0, c - 1));
      else if (key.downArrow || input === 'j') setCursor((c) => Math.min(keys.length - 1, c + 1));
      else if (key.return && keys[liveCursor()] !== undefined) {
        const k = keys[liveCursor()]!;
        setEditing(k);
        setDraft(formatParamValue(params[k]));
        setError(null);
        dispatch({ type: 'typing', on: true });
      } else if (input === 'r' || input === 'f') {
        void controller.start({ kind: 'step', stepId: row.id, force: input === 'f' });
        dispatch({ type: 'navigate', screen: 'progress' });
      } else if (input === 'c' && mappable && !liveMapping()) {
        setMapping(true);
        dispatch({ type: 'typing', on: true });
      } else if (input === 's') {
        if (!controller.stop()) dispatch({ type: 'message', text: 'nothing is running' });
      }
    },
    { isActive: active && editing === null && !mapping },
  );
  useKeys(
    (_input, key) => {
      if (key.escape) stopEditing();
    },
    { isActive: active && editing !== null },
  );

  if (!row || !step) return <Text color="yellow">No step selected.</Text>;
  if (mapping && hasColumnMapping(corpus))
    return (
      <IngestMapping
        corpus={corpus}
        focus={active}
        columns={columns}
        save={(cols) => controller.setCorpusColumns(cols)}
        onClose={(saved) => {
          setMapping(false);
          dispatch({ type: 'typing', on: false });
          if (saved)
            dispatch({
              type: 'message',
              text: 'column mapping saved: ingest and the steps after it are stale (r re-runs)',
            });
        }}
      />
    );

  const submit = async (text: string) => {
    const err = await controller.setParam(step.id, editing!, text);
    if (err) setError(err);
    else {
      setError(null);
      stopEditing();
      dispatch({
        type: 'message',
        text: `${step.id}.${editing} saved${row.status === 'done' ? ' (the step is now stale: r re-runs it)' : ''}`,
      });
    }
  };

  const artifacts = controller.run.state.artifacts;
  const outputs =
    step.writes
      .map(artifactName)
      .map((w) => `${w}=${artifacts[w]?.count ?? 0}`)
      .join(' ') || '(none)';
  const engine = row.engine ? engineView(row.engine, { stepDone: row.status === 'done' }) : null;
  const paramRows = Math.max(1, height - 10 - (mappable ? 1 : 0) - (engine ? 1 : 0));
  const start = windowStart(cursor, keys.length, paramRows);
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>{step.title}</Text> <Text dimColor>({step.id})</Text>{' '}
        <Text color={STATUS_COLOR[row.status]}>{STATUS_LABEL[row.status]}</Text>
        <Text dimColor> {row.finishedAt ? ago(row.finishedAt) : ''}</Text>
      </Text>
      <Text dimColor wrap="truncate">
        {truncate(step.description, columns)}
      </Text>
      <Text wrap="truncate">
        reads: {step.reads.map(artifactName).join(', ') || '—'} · writes: {outputs}
      </Text>
      {mappable ? (
        <Text wrap="truncate">
          <Text dimColor>c edits the column mapping · </Text>
          columns:{' '}
          {Object.entries(corpus.columns)
            .map(([f, c]) => `${f}=${c}`)
            .join(' ') || 'guessed from the header'}
        </Text>
      ) : null}
      {engine ? (
        <Text wrap="truncate" color={ENGINE_COLOR[engine.tone]}>
          {truncate(engineLine(engine), columns)}
        </Text>
      ) : null}
      <Text bold>Params{paramsError ? <Text color="red"> (stored params invalid: {paramsError})</Text> : null}</Text>
      {keys.length === 0 ? <Text dimColor> (no params)</Text> : null}
      {keys.slice(start, start + paramRows).map((k, i) => {
        const idx = start + i;
        const sel = idx === cursor;
        return (
          <Box key={k}>
            <Text inverse={sel && editing === null}>{`${sel ? '▸' : ' '} ${k.padEnd(22)} `}</Text>
            {editing === k ? (
              <LineInput initial={draft} onSubmit={(v) => void submit(v)} focus={active} />
            ) : (
              <Text wrap="truncate">{truncate(formatParamValue(params[k]), columns - 26)}</Text>
            )}
          </Box>
        );
      })}
      {editing !== null ? (
        <Text color="cyan">editing {editing}: Enter saves (empty = default) · Esc cancels</Text>
      ) : null}
      {error ? <Text color="red">invalid: {error}</Text> : null}
      <Text bold>Output</Text>
      <Text wrap="truncate">{truncate(`${countsLine(row.counts, 6) || 'no counts yet'}`, columns)}</Text>
      <Text wrap="truncate" color={row.error ? 'red' : undefined}>
        {truncate(
          row.error
            ? `error: ${row.error}`
            : row.stale.length
              ? `stale: ${row.stale.join(', ')}`
              : row.summary || 'not run yet',
          columns,
        )}
      </Text>
      {row.warning && row.status === 'warning' ? (
        <Text color={STATUS_COLOR.warning} wrap="wrap">
          warning: {row.warning}
        </Text>
      ) : null}
      {row.preview ? (
        <Text dimColor wrap="truncate">
          {truncate(row.preview, columns)}
        </Text>
      ) : null}
    </Box>
  );
}

const ENGINE_COLOR = { normal: undefined, active: 'cyan', warn: 'yellow', done: 'green' } as const;
