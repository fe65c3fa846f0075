import { Box, Text } from 'ink';
import React, { useEffect, useState } from 'react';
import { useUiState } from '../state/context.js';
import path from 'node:path';
import stringWidth from 'string-width';
import { truncate } from './format.js';
import { holderState } from '../../pipeline/index.js';

const MORE = ' (m: full)';

/** The footer's one line: a message too long for it says where the full text is. */
export function footerMessage(text: string, columns: number): string {
  const line = text.replace(/\s*\n\s*/g, ' ');
  return stringWidth(line) <= columns ? line : truncate(line, columns - MORE.length) + MORE;
}

/** The run folder relative to the working directory when it is inside it (shorter over SSH). */
export function displayPath(dir: string, cwd = process.cwd()): string {
  const rel = path.relative(cwd, dir);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : dir;
}

/** The badge names who holds the run, so the user knows which process to wait for or stop. */
export function readOnlyBadge(runDir: string): string {
  const { holder } = holderState(runDir);
  return holder ? ` READ-ONLY: pid ${holder.pid} on ${holder.host} holds it ` : ' READ-ONLY ';
}

/** The read-only badge, read once on mount and every 2 s after (the holder can exit or another process take over), not on every render. */
function useReadOnlyBadge(runDir: string, readOnly: boolean): string {
  const [badge, setBadge] = useState(() => (readOnly ? readOnlyBadge(runDir) : ''));
  useEffect(() => {
    if (!readOnly) return;
    const t = setInterval(() => setBadge(readOnlyBadge(runDir)), 2000);
    return () => clearInterval(t);
  }, [runDir, readOnly]);
  return readOnly ? badge : '';
}

export function Header({ runDir, columns, readOnly = false }: { runDir: string; columns: number; readOnly?: boolean }) {
  const s = useUiState();
  const activity = s.activity && !s.activity.ended ? ` ▶ ${s.activity.stepId}${s.stopping ? ' (stopping)' : ''}` : '';
  const left = `cxrvqa · ${s.screen}`;
  // Always there while another process holds the run: every write key is off, and a message can scroll away.
  const holderBadge = useReadOnlyBadge(runDir, readOnly);
  const badge = holderBadge ? truncate(holderBadge, Math.max(11, columns - stringWidth(left) - 14)) : '';
  const used = stringWidth(left) + stringWidth(activity) + (badge ? stringWidth(badge) + 1 : 0);
  const right = truncate(displayPath(runDir), Math.max(10, columns - used - 4));
  return (
    <Box width={columns}>
      <Text bold color="cyan">
        {left}
      </Text>
      {badge ? (
        <Text>
          {' '}
          <Text inverse color="yellow">
            {badge}
          </Text>
        </Text>
      ) : null}
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
      {s.message ? <Text color={color}>{footerMessage(s.message.text, columns)}</Text> : null}
      <Text dimColor>{truncate(hints, columns)}</Text>
    </Box>
  );
}
