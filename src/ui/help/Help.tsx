import { Box, Text } from 'ink';
import React from 'react';
import type { Screen } from '../state/types.js';

/** Keys per screen; the footer shows the short form, the overlay the long one. */
export const KEYS: Record<Screen | 'global', Array<[string, string]>> = {
  global: [
    ['?', 'toggle this help'],
    ['Esc', 'back (to the notebook)'],
    ['m', 'messages of this session in full'],
    ['q', 'quit (when nothing runs)'],
    ['Ctrl-C', 'stop the running step; twice forces exit'],
  ],
  notebook: [
    ['↑↓ j k', 'select a cell'],
    ['Enter', 'open the cell (params, run, outputs)'],
    ['r', 'run / resume the selected step'],
    ['a', 'run all steps in order'],
    ['c', 'run one more follow-up cycle'],
    ['s', 'stop the running step'],
    ['p i v d', 'progress · inspector · review · dataset'],
    ['n', 'new run (the setup wizard)'],
  ],
  cell: [
    ['↑↓', 'select a param'],
    ['Enter', 'edit the param (Enter saves, Esc cancels)'],
    ['r', 'run (resumes when possible)'],
    ['f', 'run fresh (discard outputs)'],
    ['s', 'stop'],
  ],
  progress: [
    ['s', 'stop the running step'],
    ['r', 'resume what was stopped (else the selected step)'],
  ],
  inspector: [
    ['/', 'find by study id prefix or finding name'],
    ['f', 'filter: all · changed in k · disagrees · parse failed'],
    ['↑↓ Enter', 'pick a report'],
    ['Tab', 'keyinfo · QA pairs · text · history · llm'],
    ['l  [ ]', 'LLM requests of the report · pick one'],
    ['c x u', 'mark finding correct · incorrect · clear'],
    ['n', 'add a note'],
    ['e', 're-run this report against an endpoint'],
  ],
  review: [
    ['Enter', 'start the seeded sample (+/- change its size)'],
    ['↑↓ Tab', 'select a finding · switch pane'],
    ['c x u', 'mark finding correct · incorrect · clear'],
    ['→ ←', 'next / previous report'],
    ['n', 'add a note'],
    ['t', 'accuracy table'],
    ['w', 'write review.csv'],
  ],
  dataset: [['↑↓', 'scroll the samples']],
  messages: [['↑↓ PgUp PgDn', 'scroll (End follows the newest)']],
};

export function HelpOverlay({ screen, columns }: { screen: Screen; columns: number }) {
  const rows = [...KEYS[screen], ...KEYS.global];
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="cyan" paddingX={1} width={Math.min(columns, 72)}>
      <Text bold>Keys · {screen}</Text>
      {rows.map(([k, d]) => (
        <Text key={k + d}>
          <Text color="cyan">{k.padEnd(10)}</Text> {d}
        </Text>
      ))}
      <Text dimColor>? or Esc closes</Text>
    </Box>
  );
}

export const HINTS: Record<Screen, string> = {
  notebook: '↑↓ Enter · r run · a all · s stop · n new run · p i v d m views · ? help · q',
  cell: '↑↓ param · Enter edit · r run · f fresh · s stop · Esc back · ? help',
  progress: 's stop · r resume · Esc back · ? help',
  inspector: '/ find · f filter · Enter open · Tab pane · c/x judge · n note · e re-run · ?',
  review: '↑↓ move · c/x judge · →← report · n note · t table · w csv · Esc back · ? help',
  dataset: '↑↓ scroll · Esc back · ? help',
  messages: '↑↓ PgUp PgDn scroll · End newest · Esc back · ? help',
};

/** Hints of a run open read-only: the keys that would write are not offered. */
export const READ_ONLY_HINTS: Partial<Record<Screen, string>> = {
  notebook: '↑↓ move · Enter open · n new · p i v d views · m messages · ? help · q quit',
  cell: '↑↓ param · Esc back · ? help',
  progress: 'Esc back · m messages · ? help',
};
