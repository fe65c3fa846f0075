import type {
  Applicability,
  ProgressSnapshot,
  RunMode,
  RunnerEvent,
  StepDisplayStatus,
  StepEngine,
  StepOutcome,
} from '../../pipeline/index.js';

export type Screen = 'notebook' | 'cell' | 'progress' | 'inspector' | 'review' | 'dataset' | 'messages';
export const SCREENS: readonly Screen[] = [
  'notebook',
  'cell',
  'progress',
  'inspector',
  'review',
  'dataset',
  'messages',
];

/** One notebook cell: a step as the run sees it now. */
export interface StepRow {
  id: string;
  title: string;
  description: string;
  status: StepDisplayStatus;
  counts: Record<string, number>;
  summary: string;
  finishedAt: string | null;
  durationMs: number | null;
  error: string | null;
  /** A finished step's warning (its reason and fix), shown in the cell. */
  warning: string | null;
  stale: string[];
  applies: Applicability;
  preview: string | null;
  /** The engine of the step's LLM requests (null: it sends none). */
  engine?: StepEngine | null;
  /** Records a stopped step kept on disk (null unless it is interrupted, failed or running). */
  kept: Record<string, number> | null;
  /** The last progress total the step reported (null: never known). */
  total?: number | null;
}

export interface LogLine {
  id: number;
  level: 'info' | 'warn' | 'error';
  message: string;
  /** How many lines of the same shape came in a row (retries of different items): shown as "×12". */
  count: number;
}

/** What the progress view shows: the running step, or the last one that ended. */
export interface Activity {
  stepId: string;
  title: string;
  mode: RunMode;
  progress: ProgressSnapshot | null;
  logs: LogLine[];
  /** Failed items grouped by the first part of their reason. */
  errors: Record<string, number>;
  metrics: Record<string, Array<[number, number]>>;
  ended: null | { status: StepOutcome; summary: string; warning?: string };
  /** When the step last showed a sign of life (start, progress, an item), by the controller's clock. */
  lastSignAt: number;
}

export interface UiState {
  screen: Screen;
  help: boolean;
  /** A text field has the keyboard: global letter keys are off. */
  typing: boolean;
  selected: number;
  rows: StepRow[];
  /** Rows have been read from the run at least once. */
  loaded: boolean;
  /** Steps that ended since the last start, oldest first (for the progress view). */
  history: Array<{ stepId: string; status: StepOutcome; summary: string }>;
  activity: Activity | null;
  running: boolean;
  stopping: boolean;
  message: Message | null;
  /** Every footer message of the session, oldest first, repeats grouped (the message log view). */
  messages: LogLine[];
  inspectorStudy: string | null;
  logSeq: number;
}

export interface Message {
  text: string;
  level: 'info' | 'warn' | 'error';
  /** The step the message is about: it is cleared once that step runs or finishes. */
  stepId?: string;
  /** That step's status when the message was shown. */
  stepStatus?: StepDisplayStatus;
}

export type Action =
  | { type: 'rows'; rows: StepRow[] }
  | { type: 'navigate'; screen: Screen }
  | { type: 'select'; index: number }
  | { type: 'move'; delta: number }
  | { type: 'help'; open?: boolean }
  | { type: 'typing'; on: boolean }
  | { type: 'runner-batch'; events: RunnerEvent[]; at: number }
  | { type: 'running'; running: boolean }
  | { type: 'stopping' }
  | { type: 'message'; text: string; level?: 'info' | 'warn' | 'error'; stepId?: string }
  | { type: 'clear-message' }
  | { type: 'inspect'; studyId: string | null };

export const LOG_TAIL = 200;
export const MESSAGE_LOG = 500;
export const HISTORY = 20;
export const METRIC_POINTS = 2000;
