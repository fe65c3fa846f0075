import type { RunnerEvent } from '../../pipeline/index.js';
import {
  HISTORY,
  LOG_TAIL,
  METRIC_POINTS,
  type Action,
  type Activity,
  type LogLine,
  MESSAGE_LOG,
  type Message,
  type Screen,
  type StepRow,
  type UiState,
} from './types.js';

export function initialState(
  init: { screen?: Screen; selected?: number; inspectorStudy?: string | null } = {},
): UiState {
  return {
    screen: init.screen ?? 'notebook',
    help: false,
    typing: false,
    selected: init.selected ?? 0,
    rows: [],
    loaded: false,
    history: [],
    activity: null,
    running: false,
    stopping: false,
    message: null,
    messages: [],
    inspectorStudy: init.inspectorStudy ?? null,
    logSeq: 0,
  };
}

export function reducer(state: UiState, action: Action): UiState {
  switch (action.type) {
    case 'rows':
      return {
        ...state,
        rows: action.rows,
        loaded: true,
        selected: clamp(state.selected, action.rows.length),
        message: stillTrue(state.message, action.rows),
      };
    case 'navigate':
      return { ...state, screen: action.screen, help: false, typing: false };
    case 'select':
      return { ...state, selected: clamp(action.index, state.rows.length) };
    case 'move':
      return { ...state, selected: clamp(state.selected + action.delta, state.rows.length) };
    case 'help':
      return { ...state, help: action.open ?? !state.help };
    case 'typing':
      return { ...state, typing: action.on };
    case 'runner-batch': {
      let next = state;
      for (const e of action.events) next = foldRunnerEvent(next, e, action.at);
      return next;
    }
    case 'running':
      return { ...state, running: action.running, stopping: false, history: action.running ? [] : state.history };
    case 'stopping':
      return { ...state, stopping: true };
    case 'message': {
      const about = action.stepId ? state.rows.find((r) => r.id === action.stepId) : undefined;
      const message: Message = { text: action.text, level: action.level ?? 'info' };
      if (action.stepId) Object.assign(message, { stepId: action.stepId, stepStatus: about?.status });
      const logSeq = state.logSeq + 1;
      const messages = appendGrouped(
        state.messages,
        { id: logSeq, level: message.level, message: message.text, count: 1 },
        MESSAGE_LOG,
      );
      return { ...state, message, messages, logSeq };
    }
    case 'clear-message':
      return { ...state, message: null };
    case 'inspect':
      return { ...state, inspectorStudy: action.studyId };
    default: {
      const never: never = action;
      throw new Error(`unknown action ${JSON.stringify(never)}`);
    }
  }
}

/** A message about a step is dropped once the step's status moved on ("failed" after it re-ran ok). */
function stillTrue(message: Message | null, rows: StepRow[]): Message | null {
  if (!message?.stepId || message.stepStatus === undefined) return message;
  const row = rows.find((r) => r.id === message.stepId);
  return row && row.status !== message.stepStatus ? null : message;
}

function clamp(i: number, n: number): number {
  if (n <= 0) return 0;
  return Math.max(0, Math.min(n - 1, i));
}

/** Fold one runner event; a batch of them makes one new state, hence one render. */
export function foldRunnerEvent(state: UiState, e: RunnerEvent, at = 0): UiState {
  switch (e.type) {
    case 'step-start': {
      const activity: Activity = {
        stepId: e.stepId,
        title: e.title,
        mode: e.mode,
        progress: null,
        logs: [],
        errors: {},
        metrics: {},
        ended: null,
        lastSignAt: at,
      };
      return { ...state, activity };
    }
    case 'step-event': {
      const a = state.activity && state.activity.stepId === e.stepId ? state.activity : null;
      if (!a) return state;
      const ev = e.event;
      // Log lines and metrics are not progress: a step printing retries without finishing items is stalled.
      const sign = ev.type === 'progress' || ev.type === 'item';
      const next: Activity = { ...a, progress: e.progress, lastSignAt: sign ? at : a.lastSignAt };
      let logSeq = state.logSeq;
      switch (ev.type) {
        case 'log':
          next.logs = appendGrouped(a.logs, { id: ++logSeq, level: ev.level, message: ev.message, count: 1 }, LOG_TAIL);
          break;
        case 'item':
          if (ev.outcome === 'failed') {
            const kind = errorKind(ev.reason);
            next.errors = { ...a.errors, [kind]: (a.errors[kind] ?? 0) + 1 };
          }
          break;
        case 'metric': {
          const series = [...(a.metrics[ev.name] ?? []), [ev.x, ev.y] as [number, number]];
          next.metrics = { ...a.metrics, [ev.name]: series.length > METRIC_POINTS ? halve(series) : series };
          break;
        }
        case 'progress':
        case 'usage':
          break;
        default: {
          const never: never = ev;
          throw new Error(`unknown step event ${JSON.stringify(never)}`);
        }
      }
      return { ...state, activity: next, logSeq };
    }
    case 'step-end': {
      const base: Activity =
        state.activity && state.activity.stepId === e.stepId
          ? state.activity
          : {
              stepId: e.stepId,
              title: e.stepId,
              mode: 'fresh',
              progress: null,
              logs: [],
              errors: {},
              metrics: {},
              ended: null,
              lastSignAt: at,
            };
      const history = [...state.history, { stepId: e.stepId, status: e.status, summary: e.summary }].slice(-HISTORY);
      return {
        ...state,
        history,
        activity: { ...base, ended: { status: e.status, summary: e.summary, warning: e.warning } },
      };
    }
    default: {
      const never: never = e;
      throw new Error(`unknown runner event ${JSON.stringify(never)}`);
    }
  }
}

/**
 * The shape of a line: its words without the ones holding digits (item ids,
 * attempt numbers, delays). "retry 2 for s17 in 800 ms: timeout" and "retry 3
 * for s40 in 1600 ms: timeout" have the same shape.
 */
export function lineShape(message: string): string {
  return message.replace(/\S*\d\S*/g, '#');
}

/** Append a line, or fold it into the last one when it has the same level and shape (the newest text is kept). */
export function appendGrouped(lines: LogLine[], line: LogLine, max: number): LogLine[] {
  const last = lines[lines.length - 1];
  if (last && last.level === line.level && lineShape(last.message) === lineShape(line.message))
    return [...lines.slice(0, -1), { ...line, id: last.id, count: last.count + 1 }];
  return [...lines, line].slice(-max);
}

/** Group failure reasons by their leading word ("timeout: 30s" → "timeout"). */
export function errorKind(reason: string | undefined): string {
  if (!reason) return 'unknown';
  const m = /^[\w-]+/.exec(reason.trim());
  return m ? m[0] : 'unknown';
}

/** Keep long series drawable: every other point, always keeping the newest. */
function halve(series: Array<[number, number]>): Array<[number, number]> {
  const out = series.filter((_, i) => i % 2 === 0);
  const last = series[series.length - 1]!;
  if (out[out.length - 1] !== last) out.push(last);
  return out;
}
