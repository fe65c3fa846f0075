import { Box, Text } from 'ink';
import React from 'react';
import { useUiState } from '../state/context.js';
import path from 'node:path';
import { truncate } from './format.js';

/** The run folder relative to the working directory when it is inside it (shorter over SSH). */
export function displayPath(dir: string, cwd = process.cwd()): string {
  const rel = path.relative(cwd, dir);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : dir;
}

export function Header({ runDir, columns }: { runDir: string; columns: number }) {
  const s = useUiState();
  const activity = s.activity && !s.activity.ended ? ` ▶ ${s.activity.stepId}${s.stopping ? ' (stopping)' : ''}` : '';
  const left = `cxrvqa · ${s.screen}`;
  const right = truncate(displayPath(runDir), Math.max(10, columns - left.length - activity.length - 4));
  return (
    <Box width={columns}>
      <Text bold color="cyan">
        {left}
      </Text>
      <Text color="yellow">{activity}</Text>
      <Box flexGrow={1} />
      <Text dimColor>{right}</Text>
    </Box>
  );
}

export function Footer({ hints, columns }: { hints: string; columns: number }) {
  const s = useUiState();
  const color = s.message?.level === 'error' ? 'red' : s.message?.level === 'warn' ? 'yellow' : 'green';
  return (
    <Box flexDirection="column" width={columns}>
      {s.message ? <Text color={color}>{truncate(s.message.text, columns)}</Text> : null}
      <Text dimColor>{truncate(hints, columns)}</Text>
    </Box>
  );
}
