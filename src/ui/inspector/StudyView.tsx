import { Box, Text } from 'ink';
import { useKeys } from '../components/useKeys.js';
import { LineInput } from '../components/LineInput.js';
import React from 'react';
import { useLiveState } from '../components/useLiveState.js';
import { pad, truncate, windowStart } from '../components/format.js';
import {
  type Finding,
  type JudgmentRecord,
  POLARITY_MARK,
  type RerunOptions,
  sortFindings,
  type StudyDetail,
  type Verdict,
} from '../../pipeline/index.js';
import { useUiActions } from '../state/context.js';
import { layoutLines, reportSpans, segments } from './highlight.js';
import { RerunPanel } from './RerunPanel.js';
import { headerRow, LlmPane, useStudyExchanges } from './LlmPane.js';

export type Pane = 'keyinfo' | 'qa' | 'text' | 'history' | 'llm';
const PANES: Pane[] = ['keyinfo', 'qa', 'text', 'history', 'llm'];

export interface StudyViewProps {
  detail: StudyDetail;
  judgment: JudgmentRecord | undefined;
  onJudge: (key: string, verdict: Verdict | null) => void;
  onNote: (note: string) => void;
  /** Re-run choices for this run, or why "re-run against an endpoint" is unavailable. */
  rerun: RerunOptions | { disabled: string };
  /** Called after a re-run result was kept (the artifacts changed). */
  onChanged?: () => void;
  height: number;
  columns: number;
  active: boolean;
  initialPane?: Pane;
}

/** Union of every stage's findings, in a stable order. */
export function findingRows(detail: StudyDetail): Finding[] {
  const seen = new Map<string, Finding>();
  for (const st of detail.stages) for (const f of st.findings ?? []) if (!seen.has(f.key)) seen.set(f.key, f);
  return sortFindings([...seen.values()]);
}

/** Whether the stages that produced findings disagree on this one (presence or attributes). */
export function rowDiffers(detail: StudyDetail, key: string): boolean {
  const vals = detail.stages
    .filter((s) => s.findings !== null)
    .map((s) => {
      const f = s.findings!.find((x) => x.key === key);
      return f ? `+${f.attrs}` : '';
    });
  return new Set(vals).size > 1;
}

export function StudyView({
  detail,
  judgment,
  onJudge,
  onNote,
  rerun,
  onChanged,
  height,
  columns,
  active,
  initialPane,
}: StudyViewProps) {
  const { dispatch } = useUiActions();
  const [pane, setPane, livePane] = useLiveState<Pane>(initialPane ?? 'keyinfo');
  const [exchange, setExchange, liveExchange] = useLiveState(0);
  const llm = useStudyExchanges(detail, pane === 'llm');
  const [cursor, setCursor, liveCursor] = useLiveState(0);
  const [scroll, setScroll] = useLiveState(0);
  const [noting, setNoting] = useLiveState<string | null>(null);
  const [rerunning, setRerunning] = useLiveState(false);
  const rows = findingRows(detail);

  useKeys(
    (input, key) => {
      const pane = livePane();
      const cursor = liveCursor();
      if (key.tab) {
        setPane((p) => PANES[(PANES.indexOf(p) + (key.shift ? PANES.length - 1 : 1)) % PANES.length]!);
        setScroll(0);
      } else if (input === 'l') {
        setPane('llm');
        setScroll(0);
      } else if ((input === ']' || input === '[') && pane === 'llm') {
        const all = typeof llm === 'object' && llm ? llm : null;
        const n = all?.exchanges.length ?? 0;
        const next = Math.max(0, Math.min(n - 1, liveExchange() + (input === ']' ? 1 : -1)));
        setExchange(next);
        setScroll(all && n ? headerRow(all, next, columns) : 0);
      } else if (key.upArrow || input === 'k') {
        if (pane === 'keyinfo') setCursor((c) => Math.max(0, c - 1));
        else setScroll((s) => Math.max(0, s - 1));
      } else if (key.downArrow || input === 'j') {
        if (pane === 'keyinfo') setCursor((c) => Math.min(rows.length - 1, c + 1));
        else setScroll((s) => s + 1);
      } else if (key.pageDown) setScroll((s) => s + Math.max(1, height - 4));
      else if (key.pageUp) setScroll((s) => Math.max(0, s - Math.max(1, height - 4)));
      else if ((input === 'c' || input === 'x' || input === 'u') && rows[cursor]) {
        if (pane !== 'keyinfo') setPane('keyinfo');
        else onJudge(rows[cursor]!.key, input === 'c' ? 'correct' : input === 'x' ? 'incorrect' : null);
      } else if (input === 'n') {
        setNoting(judgment?.note ?? '');
        dispatch({ type: 'typing', on: true });
      } else if (input === 'e') {
        if ('disabled' in rerun)
          dispatch({ type: 'message', level: 'warn', text: `re-run unavailable: ${rerun.disabled}` });
        else if (!detail.report)
          dispatch({ type: 'message', level: 'warn', text: 're-run needs the report record (run ingest)' });
        else {
          setRerunning(true);
          dispatch({ type: 'typing', on: true });
        }
      }
    },
    { isActive: active && noting === null && !rerunning },
  );
  useKeys(
    (_i, key) => {
      if (key.escape) {
        setNoting(null);
        dispatch({ type: 'typing', on: false });
      }
    },
    { isActive: active && noting !== null },
  );

  if (rerunning && !('disabled' in rerun) && detail.report) {
    const close = () => {
      setRerunning(false);
      dispatch({ type: 'typing', on: false });
    };
    return (
      <RerunPanel
        options={rerun}
        report={detail.report}
        current={detail.stages.find((s) => s.label === 'llm raw')?.findings ?? null}
        onClose={close}
        onAccepted={() => onChanged?.()}
        columns={columns}
        active={active}
      />
    );
  }
  const r = detail.report;
  const meta = r
    ? `${detail.id} · subject ${String(r.subject_id ?? '?')} · ${String(r.view ?? 'view ?')}${r.split ? ' · ' + String(r.split) : ''}`
    : `${detail.id} · no report record`;
  const bodyH = Math.max(2, height - 3 - (noting !== null || judgment?.note ? 1 : 0));
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        <Text bold>{truncate(meta, columns - 38)}</Text>{' '}
        {PANES.map((p) => (
          <Text key={p} inverse={p === pane}>{` ${p} `}</Text>
        ))}
      </Text>
      {pane === 'text' ? <TextPane detail={detail} height={bodyH} columns={columns} scroll={scroll} /> : null}
      {pane === 'keyinfo' ? (
        <KeyInfoPane detail={detail} rows={rows} cursor={cursor} judgment={judgment} height={bodyH} columns={columns} />
      ) : null}
      {pane === 'qa' ? <QaPane detail={detail} height={bodyH} columns={columns} scroll={scroll} /> : null}
      {pane === 'history' ? <HistoryPane detail={detail} height={bodyH} columns={columns} scroll={scroll} /> : null}
      {pane === 'llm' ? (
        llm === null ? (
          <Text dimColor>Reading the response cache…</Text>
        ) : (
          <LlmPane data={llm} selected={exchange} scroll={scroll} height={bodyH} columns={columns} />
        )
      ) : null}
      {noting !== null ? (
        <Box>
          <Text>note: </Text>
          <LineInput
            initial={noting}
            focus={active}
            onSubmit={(v) => {
              onNote(v);
              setNoting(null);
              dispatch({ type: 'typing', on: false });
            }}
          />
        </Box>
      ) : judgment?.note ? (
        <Text color="magenta" wrap="truncate">
          note: {judgment.note}
        </Text>
      ) : null}
    </Box>
  );
}

/** What every scrolled pane of the study view gets. */
interface PaneProps {
  detail: StudyDetail;
  height: number;
  columns: number;
  scroll: number;
}

function TextPane({ detail, height, columns, scroll }: PaneProps) {
  const text = typeof detail.report?.text === 'string' ? detail.report.text : '';
  if (!text) return <Text color="yellow">No report text (ingest not run yet?).</Text>;
  const spans = reportSpans(detail.report, detail.reference);
  const lines = layoutLines(text, columns - 1);
  const start = Math.min(scroll, Math.max(0, lines.length - (height - 1)));
  return (
    <Box flexDirection="column">
      <Text dimColor>
        <Text underline color="cyan">
          selected section
        </Text>{' '}
        ·{' '}
        <Text inverse color="yellow">
          evidence
        </Text>{' '}
        · line {start + 1}/{lines.length}
      </Text>
      {lines.slice(start, start + height - 1).map(([a, b], i) => (
        <Text key={`${a}-${i}`} wrap="truncate">
          {segments(text, a, b, spans).map((seg, j) => (
            <Text
              key={j}
              inverse={seg.evidence}
              color={seg.evidence ? 'yellow' : seg.selected ? 'cyan' : undefined}
              underline={seg.selected}
            >
              {seg.text || ' '}
            </Text>
          ))}
        </Text>
      ))}
    </Box>
  );
}

function KeyInfoPane({
  detail,
  rows,
  cursor,
  judgment,
  height,
  columns,
}: {
  detail: StudyDetail;
  rows: Finding[];
  cursor: number;
  judgment: JudgmentRecord | undefined;
  height: number;
  columns: number;
}) {
  if (detail.stages.length === 0)
    return <Text color="yellow">No KeyInfo yet: the reference / extract / standardize steps have not run.</Text>;
  const colW = 8;
  const fit = Math.max(1, Math.floor((columns - 30) / colW));
  // When not every stage fits, the reference stays (it is what ≠ and the filters compare with) beside the latest ones.
  const first = detail.stages[0];
  const stages =
    fit >= 2 && detail.stages.length > fit && first?.label === 'rules'
      ? [first, ...detail.stages.slice(-(fit - 1))]
      : detail.stages.slice(-fit);
  const nameW = Math.max(12, columns - 6 - stages.length * colW);
  const tableH = Math.max(1, height - 3);
  const start = windowStart(cursor, rows.length, tableH);
  const sel = rows[cursor];
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">
        {'   '}
        {pad('finding', nameW)}
        {stages.map((s) => pad(s.label, colW)).join('')}ok
      </Text>
      {rows.length === 0 ? <Text dimColor> no findings in any stage</Text> : null}
      {rows.slice(start, start + tableH).map((f, i) => {
        const idx = start + i;
        const v = judgment?.judgments[f.key];
        const diff = rowDiffers(detail, f.key);
        return (
          <Text key={f.key} inverse={idx === cursor} wrap="truncate">
            <Text color={diff ? 'yellow' : undefined}>{diff ? '≠' : ' '}</Text>
            {idx === cursor ? '▸ ' : '  '}
            {pad(`${POLARITY_MARK[f.polarity]} ${f.name}`, nameW - 1)}
            {stages.map((s) => pad(' ' + stageMark(s.findings, f.key), colW)).join('')}
            <Text color={v === 'correct' ? 'green' : 'red'}>
              {v === 'correct' ? '✓' : v === 'incorrect' ? '✗' : ' '}
            </Text>
          </Text>
        );
      })}
      <Text dimColor wrap="truncate">
        {sel
          ? truncate(
              stages
                .map(
                  (s) =>
                    `${s.label}: ${s.findings?.find((x) => x.key === sel.key)?.attrs || (s.findings?.some((x) => x.key === sel.key) ? '—' : s.findings ? 'absent' : s.note || 'n/a')}`,
                )
                .join(' | '),
              columns,
            )
          : ''}
      </Text>
      <Text dimColor wrap="truncate">
        {truncate(
          detail.stages
            .filter((s) => s.note)
            .map((s) => `${s.label}: ${s.note}`)
            .join(' | ') || '+ present  ? uncertain  - absent  · not stated  ≠ stages differ',
          columns,
        )}
      </Text>
    </Box>
  );
}

function stageMark(findings: Finding[] | null, key: string): string {
  if (findings === null) return 'n/a';
  const f = findings.find((x) => x.key === key);
  return f ? POLARITY_MARK[f.polarity] : '·';
}

function QaPane({ detail, height, columns, scroll }: PaneProps) {
  if (detail.questions.length === 0)
    return <Text dimColor>No QA pairs for this study (questions not run yet, or no AP/PA view).</Text>;
  const lines = detail.questions.flatMap((q) => [
    `[${String(q.question_type ?? '?')}] ${String(q.question ?? '')} → ${String(q.answer ?? '')}`,
    `    provenance: ${q.provenance === undefined ? '—' : typeof q.provenance === 'string' ? q.provenance : JSON.stringify(q.provenance)}`,
  ]);
  return <ScrolledLines lines={lines} height={height} columns={columns} scroll={scroll} />;
}

/** A window of `height` lines from `scroll`; indented detail lines are dimmed. */
function ScrolledLines({
  lines,
  height,
  columns,
  scroll,
}: {
  lines: string[];
  height: number;
  columns: number;
  scroll: number;
}) {
  const start = Math.min(scroll, Math.max(0, lines.length - height));
  return (
    <Box flexDirection="column">
      {lines.slice(start, start + height).map((l, i) => (
        <Text key={start + i} dimColor={l.startsWith('    ')} wrap="truncate">
          {truncate(l, columns)}
        </Text>
      ))}
    </Box>
  );
}

const show = (v: unknown): string => (v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));

/** What standardization changed per cycle and which follow-up questions were asked, oldest first. */
export function historyLines(detail: StudyDetail): string[] {
  const lines: string[] = [];
  for (const row of detail.changes) {
    const changes = Array.isArray(row.changes) ? row.changes : [];
    if (changes.length === 0) continue;
    lines.push(`standardize c${show(row.cycle)}: ${changes.length} change${changes.length === 1 ? '' : 's'}`);
    for (const c of changes) {
      if (typeof c === 'string' || !c || typeof c !== 'object') lines.push(`    ${show(c)}`);
      else {
        const ch = c as Record<string, unknown>;
        lines.push(
          `    ${show(ch.kind)} ${show(ch.path)}: ${show(ch.before)} → ${show(ch.after)}${ch.rule ? ` (${show(ch.rule)})` : ''}`,
        );
      }
    }
  }
  for (const q of detail.followupLog) {
    lines.push(`follow-up c${show(q.cycle)} [${show(q.status)}] ${show(q.question)}`);
    if (q.reason) lines.push(`    ${show(q.reason)}`);
  }
  return lines;
}

function HistoryPane({ detail, height, columns, scroll }: PaneProps) {
  const lines = historyLines(detail);
  if (lines.length === 0)
    return <Text dimColor>No standardization changes and no follow-up questions for this study.</Text>;
  return <ScrolledLines lines={lines} height={height} columns={columns} scroll={scroll} />;
}
