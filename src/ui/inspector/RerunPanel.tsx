import { Box, Text } from 'ink';
import React, { useEffect, useRef } from 'react';
import { rowFacts } from './llmLines.js';
import { pad, truncate } from '../components/format.js';
import { useKeys } from '../components/useKeys.js';
import { useLiveState } from '../components/useLiveState.js';
import { useUiActions } from '../state/context.js';
import {
  fromKeyInfo,
  POLARITY_MARK,
  rerunExtraction,
  sortFindings,
  type ExtractionResult,
  type Finding,
  type RerunOptions,
} from '../../pipeline/index.js';

type Phase =
  | { kind: 'profile' }
  | { kind: 'prompt' }
  | { kind: 'running' }
  | { kind: 'result'; row: ExtractionResult }
  | { kind: 'error'; message: string }
  | { kind: 'saved' };

/** Re-run one report against a chosen profile/prompt, compare, and keep it only if the user accepts. */
export function RerunPanel({
  options,
  report,
  current,
  onClose,
  onAccepted,
  columns,
  active,
}: {
  options: RerunOptions;
  report: Record<string, unknown>;
  current: Finding[] | null;
  onClose: () => void;
  onAccepted: () => void;
  columns: number;
  active: boolean;
}) {
  const { controller, dispatch } = useUiActions();
  const [phase, setPhase, livePhase] = useLiveState<Phase>(
    options.profiles.length > 1 ? { kind: 'profile' } : { kind: 'prompt' },
  );
  const [choice, setChoice, liveChoice] = useLiveState(0);
  const picked = useRef({ profile: '', prompt: options.defaultPrompt });
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);

  const start = () => {
    const ac = new AbortController();
    abort.current = ac;
    setPhase({ kind: 'running' });
    rerunExtraction(controller.run, report, picked.current, controller.env, ac.signal)
      .then((row) => setPhase({ kind: 'result', row }))
      .catch((err: unknown) =>
        setPhase(ac.signal.aborted ? { kind: 'prompt' } : { kind: 'error', message: (err as Error).message }),
      );
  };

  useKeys(
    (input, key) => {
      const p = livePhase();
      const list = p.kind === 'profile' ? options.profiles : options.prompts;
      if (key.escape) {
        if (p.kind === 'running') abort.current?.abort();
        else onClose();
      } else if (
        (p.kind === 'profile' || p.kind === 'prompt') &&
        (key.upArrow || key.downArrow || input === 'j' || input === 'k')
      ) {
        const up = key.upArrow || input === 'k';
        setChoice((c) => (c + (up ? list.length - 1 : 1)) % list.length);
      } else if (key.return && p.kind === 'profile') {
        picked.current.profile = options.profiles[liveChoice()] ?? '';
        setChoice(Math.max(0, options.prompts.indexOf(options.defaultPrompt)));
        setPhase({ kind: 'prompt' });
      } else if (key.return && p.kind === 'prompt') {
        picked.current.prompt = options.prompts[liveChoice()] ?? options.defaultPrompt;
        start();
      } else if (input === 'a' && p.kind === 'result') {
        // A call that got no answer must not replace the report's current extraction (last line wins).
        if (p.row.status === 'failed')
          return dispatch({ type: 'message', level: 'warn', text: 'the call failed: nothing to keep' });
        if (controller.running)
          return dispatch({ type: 'message', level: 'warn', text: 'a step is running: accept after it ends' });
        controller.acceptExtraction(p.row).then(
          async () => {
            setPhase({ kind: 'saved' });
            dispatch({
              type: 'message',
              text: `kept the re-run of ${p.row.study_id} in raw; standardize is now stale`,
            });
            await controller.refresh();
            onAccepted();
          },
          (err: unknown) =>
            dispatch({ type: 'message', level: 'error', text: `could not keep the re-run: ${(err as Error).message}` }),
        );
      }
    },
    { isActive: active },
  );

  const p = phase;
  const title = <Text bold>Re-run {String(report.study_id)} against an endpoint</Text>;
  if (p.kind === 'profile' || p.kind === 'prompt') {
    const list = p.kind === 'profile' ? options.profiles.map((x) => x || '(run default)') : options.prompts;
    return (
      <Box flexDirection="column">
        {title}
        <Text>
          {p.kind === 'profile' ? 'LLM profile:' : `prompt (profile ${picked.current.profile || 'default'}):`}
        </Text>
        {list.map((x, i) => (
          <Text key={x} inverse={i === choice}>{`${i === choice ? '▸ ' : '  '}${x}`}</Text>
        ))}
        <Text dimColor>Enter chooses · Esc closes · nothing is written unless you accept</Text>
      </Box>
    );
  }
  if (p.kind === 'running')
    return (
      <Box flexDirection="column">
        {title}
        <Text color="cyan">asking the model… (Esc cancels)</Text>
      </Box>
    );
  if (p.kind === 'error')
    return (
      <Box flexDirection="column">
        {title}
        <Text color="red">{truncate(p.message, columns * 3)}</Text>
        <Text dimColor>Esc closes</Text>
      </Box>
    );
  if (p.kind === 'saved')
    return (
      <Box flexDirection="column">
        {title}
        <Text color="green">kept in raw (Esc closes)</Text>
      </Box>
    );
  const next = p.row.keyinfo ? fromKeyInfo(p.row.keyinfo) : null;
  const failed = p.row.status === 'failed';
  const keys = sortFindings([...new Map([...(current ?? []), ...(next ?? [])].map((f) => [f.key, f])).values()]);
  const mark = (fs: Finding[] | null, k: string) =>
    fs === null ? 'n/a' : fs.some((f) => f.key === k) ? POLARITY_MARK[fs.find((f) => f.key === k)!.polarity] : '·';
  const nameW = Math.max(12, columns - 24);
  return (
    <Box flexDirection="column">
      {title}
      <Text wrap="truncate">
        status <Text color={p.row.status === 'ok' ? 'green' : failed ? 'red' : 'yellow'}>{p.row.status}</Text>
        {p.row.reason ? ` · ${truncate(p.row.reason, columns - 20)}` : ''} · model {p.row.model ?? '?'}
      </Text>
      <Text dimColor wrap="truncate">
        {rowFacts(p.row)}
      </Text>
      <Text bold>{`   ${pad('finding', nameW)}${pad('current', 10)}re-run`}</Text>
      {keys.map((f) => {
        const a = mark(current, f.key);
        const b = mark(next, f.key);
        const attrsA = current?.find((x) => x.key === f.key)?.attrs ?? '';
        const attrsB = next?.find((x) => x.key === f.key)?.attrs ?? '';
        const differs = a !== b || attrsA !== attrsB;
        return (
          <Text key={f.key} wrap="truncate">
            <Text color={differs ? 'yellow' : undefined}>{differs ? '≠  ' : '   '}</Text>
            {pad(`${POLARITY_MARK[f.polarity]} ${f.name}`, nameW)}
            {pad(a, 10)}
            {b}
          </Text>
        );
      })}
      <Text dimColor>
        {failed
          ? 'the call failed: nothing to keep · Esc closes'
          : 'a keeps this result in raw (later steps become stale) · Esc discards it'}
      </Text>
    </Box>
  );
}
