import {
  acceptExtraction,
  InvalidParamError,
  planFor,
  readSection,
  recoverInterrupted,
  ReviewStore,
  runPipeline,
  runStep,
  setCorpusColumns,
  setStepParams,
  StudyIndex,
  UserError,
  writeSection,
  type AnyStep,
  type ExtractionResult,
  type Run,
  type RunEnv,
  type RunnerEvent,
  type StepOutcome,
} from '../../pipeline/index.js';
import { parseParamInput } from '../cell/params.js';
import { buildRows, loadKept, loadPreviews } from './rows.js';
import { UI_POSITION } from './position.js';
import type { Action, Screen } from './types.js';

export interface ControllerOptions {
  env: RunEnv;
  /** Runner events are buffered and folded into the UI at most this often. */
  flushMs?: number;
  /** The clock for "last sign of life" and the stalled state (tests pass their own). */
  now?: () => number;
  /** Seconds without progress after which a running step shows as stalled (default 30). */
  stallSeconds?: number;
}

/** `all` with `cycles` resumes a plan run recorded in the run state with the cycles it asked for. */
export type StartTarget =
  { kind: 'step'; stepId: string; force?: boolean } | { kind: 'all'; cycles?: number } | { kind: 'cycle' };

export interface UiPosition {
  screen: Screen;
  selectedStep: string | null;
  inspectorStudy: string | null;
}

/**
 * Drives the runner for the app: React never calls the pipeline directly. Events
 * are batched so a step emitting thousands of events per second costs at most
 * one state update (one render) per flush interval.
 */
export class AppController {
  private dispatchFn: ((a: Action) => void) | null = null;
  private pending: Action[] = [];
  private buffer: RunnerEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  private abort: AbortController | null = null;
  private current: Promise<StepOutcome | 'error'> | null = null;
  /** What was started last in this session and how it ended, so `r` can resume a stopped run of all steps or a cycle. */
  private last: { target: StartTarget; outcome: StepOutcome | 'error' | null } | null = null;
  private uiTimer: NodeJS.Timeout | null = null;
  private follow: NodeJS.Timeout | null = null;
  private readonly flushMs: number;
  flushes = 0;
  private indexCache: { key: string; index: Promise<StudyIndex> } | null = null;
  private judgmentStore: Promise<ReviewStore> | null = null;

  constructor(
    readonly run: Run,
    readonly steps: readonly AnyStep[],
    private readonly opts: ControllerOptions,
  ) {
    this.flushMs = opts.flushMs ?? 100;
  }

  attach(dispatch: (a: Action) => void): void {
    this.dispatchFn = dispatch;
    for (const a of this.pending.splice(0)) dispatch(a);
  }

  private dispatch(a: Action): void {
    if (this.dispatchFn) this.dispatchFn(a);
    else this.pending.push(a);
  }

  /** The clock the progress view measures stalls with. */
  now(): number {
    return (this.opts.now ?? Date.now)();
  }

  get stallSeconds(): number {
    return this.opts.stallSeconds ?? 30;
  }

  get env(): RunEnv {
    return this.opts.env;
  }

  /** Show a one-line message in the footer. */
  notify(text: string, level: 'info' | 'warn' | 'error' = 'info'): void {
    this.dispatch({ type: 'message', text, level });
  }

  get running(): boolean {
    return this.current !== null;
  }

  /**
   * Mark steps a dead process left running as interrupted, show the cells, and
   * select the step that was interrupted: that is what the user came back for.
   */
  async init(): Promise<void> {
    if (this.run.readOnly) {
      // Another process runs this run: follow its state file.
      this.follow = setInterval(() => {
        void this.run
          .reload()
          .then(() => this.refresh())
          .catch(() => {});
      }, 2000);
    } else await recoverInterrupted(this.run);
    await this.refresh();
    const stopped = this.steps.findIndex((st) => {
      const status = this.run.state.steps[st.id]?.status;
      return status === 'interrupted' || status === 'running';
    });
    if (stopped < 0) return;
    const id = this.steps[stopped]!.id;
    this.dispatch({ type: 'select', index: stopped });
    const then = this.run.state.intent ? ', then the rest of the run' : '';
    this.dispatch({
      type: 'message',
      level: 'warn',
      text: this.run.readOnly
        ? `${id} is running in another process`
        : `interrupted earlier: ${id} (r resumes it${then})`,
      stepId: id,
    });
  }

  async refresh(): Promise<void> {
    this.dispatch({ type: 'rows', rows: buildRows(this.run, this.steps) });
    const [previews, kept] = await Promise.all([loadPreviews(this.run, this.steps), loadKept(this.run, this.steps)]);
    this.dispatch({ type: 'rows', rows: buildRows(this.run, this.steps, previews, kept) });
  }

  /** Start work unless something is already running; resolves when it ends. */
  start(target: StartTarget): Promise<StepOutcome | 'error'> {
    if (this.current) {
      this.dispatch({ type: 'message', level: 'warn', text: 'a step is already running (s stops it)' });
      return this.current;
    }
    if (this.run.readOnly) {
      this.dispatch({ type: 'message', level: 'warn', text: 'this run is open read-only (another process holds it)' });
      return Promise.resolve('error');
    }
    const abort = new AbortController();
    this.abort = abort;
    const last: { target: StartTarget; outcome: StepOutcome | 'error' | null } = { target, outcome: null };
    this.last = last;
    this.dispatch({ type: 'running', running: true });
    this.dispatch({ type: 'clear-message' });
    const onEvent = (e: RunnerEvent) => this.onEvent(e);
    const common = { signal: abort.signal, env: this.opts.env, onEvent };
    const work = async (): Promise<StepOutcome> => {
      if (target.kind === 'step') {
        const step = this.steps.find((s) => s.id === target.stepId);
        if (!step) throw new Error(`unknown step ${target.stepId}`);
        await recoverInterrupted(this.run);
        return runStep(this.run, step, { ...common, force: target.force });
      }
      // "Run all" passes no cycle count, like `cxrvqa run` without --cycles: the pipeline's default applies.
      if (target.kind === 'all')
        return runPipeline(this.run, planFor(this.steps), { ...common, cycles: target.cycles });
      const done = this.run.state.cycles.filter((c) => c.finishedAt !== null).length;
      return runPipeline(this.run, planFor(this.steps), { ...common, cycles: done + 1 });
    };
    this.current = work()
      .catch((err: unknown) => {
        this.dispatch({ type: 'message', level: 'error', text: (err as Error).message ?? String(err) });
        return 'error' as const;
      })
      .then(async (outcome) => {
        last.outcome = outcome;
        this.flush();
        this.current = null;
        this.abort = null;
        this.dispatch({ type: 'running', running: false });
        if (outcome === 'interrupted')
          this.dispatch({ type: 'message', level: 'warn', text: 'stopped; finished work is kept (r resumes)' });
        await this.refresh();
        return outcome;
      });
    return this.current;
  }

  /**
   * What `r` resumes: the work started last in this session when it was
   * stopped or failed (a run of all steps or a cycle goes on where it stopped);
   * else, on a stopped step, the plan run the state says was under way (left by
   * a stop, a crash or a dead SSH session), so the rest follows the step;
   * else the selected step. The notebook passes `session: false`: there `r`
   * acts on the selected cell.
   */
  resumeTarget(selectedStep: string | null, opts: { session?: boolean } = {}): StartTarget | null {
    const l = opts.session === false ? null : this.last;
    if (l && (l.outcome === 'interrupted' || l.outcome === 'failed' || l.outcome === 'error'))
      return l.target.kind === 'step' ? { kind: 'step', stepId: l.target.stepId } : l.target;
    if (!selectedStep) return null;
    const status = this.run.state.steps[selectedStep]?.status;
    const intent = this.run.state.intent;
    if (intent && (status === 'interrupted' || status === 'failed' || status === 'running'))
      return { kind: 'all', ...(intent.cycles !== null ? { cycles: intent.cycles } : {}) };
    return { kind: 'step', stepId: selectedStep };
  }

  /** Ask the running step to stop; it records finished work and ends as interrupted. */
  stop(): boolean {
    if (!this.abort) return false;
    this.dispatch({ type: 'stopping' });
    this.abort.abort();
    return true;
  }

  /** Wait for the running step (if any) to wind down. */
  async settle(): Promise<void> {
    await this.current;
  }

  private onEvent(e: RunnerEvent): void {
    this.buffer.push(e);
    // Starts and ends change what the user acts on; show them at once.
    if (e.type !== 'step-event') {
      this.flush();
      // The cells show a started step as running and an ended one with its new status.
      void this.refresh();
      return;
    }
    this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.buffer.length === 0) return;
    this.flushes++;
    this.dispatch({ type: 'runner-batch', events: this.buffer.splice(0), at: this.now() });
  }

  /**
   * Set one param from text the user typed; validated by the step's zod schema.
   * Returns the error message, or null when saved.
   */
  async setParam(stepId: string, key: string, text: string): Promise<string | null> {
    const step = this.steps.find((s) => s.id === stepId);
    if (!step) return `unknown step ${stepId}`;
    if (this.run.readOnly) return 'this run is open read-only';
    try {
      await setStepParams(this.run, step, { [key]: parseParamInput(text) });
    } catch (err) {
      if (err instanceof InvalidParamError) return `${err.param}: ${err.detail}`;
      if (!(err instanceof UserError)) throw err;
      return err.hint ? `${err.message} ${err.hint}` : err.message;
    }
    await this.refresh();
    return null;
  }

  /** Replace the corpus column mapping (the ingest cell's editor); returns the refusal, or null when saved. */
  async setCorpusColumns(columns: Record<string, string>): Promise<string | null> {
    if (this.run.readOnly) return 'this run is open read-only';
    try {
      await setCorpusColumns(this.run, columns);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      return err.hint ? `${err.message} ${err.hint}` : err.message;
    }
    await this.refresh();
    return null;
  }

  private writes: Promise<unknown> = Promise.resolve();

  /** Change run state from a screen; quitting waits for these writes. */
  persist(mutate: Parameters<Run['update']>[0]): Promise<void> {
    if (this.run.readOnly) return Promise.resolve();
    const p = this.writes.then(() => this.run.update(mutate));
    this.writes = p.catch((err: unknown) => this.notify(`could not save: ${(err as Error).message}`, 'error'));
    return p;
  }

  /** Keep a re-run extraction (the pipeline appends it and records the write); queued behind other screen writes. */
  acceptExtraction(row: ExtractionResult): Promise<void> {
    const p = this.writes.then(() => acceptExtraction(this.run, row));
    this.writes = p.catch(() => {});
    return p;
  }

  /** Wait for screen writes still in flight. */
  async drain(): Promise<void> {
    await this.writes;
  }

  /** Remember where the user is (debounced; state.json is rewritten whole on every update). */
  saveUi(pos: UiPosition): void {
    if (this.run.readOnly) return;
    if (this.uiTimer) clearTimeout(this.uiTimer);
    this.uiTimer = setTimeout(() => {
      this.uiTimer = null;
      void this.writeUi(pos);
    }, 300);
  }

  async writeUi(pos: UiPosition): Promise<void> {
    if (this.run.readOnly) return;
    // This position is the newest: a debounced save still pending holds an older one and must not land after it.
    if (this.uiTimer) clearTimeout(this.uiTimer);
    this.uiTimer = null;
    const prev = readSection(this.run.state, UI_POSITION);
    if (
      prev?.screen === pos.screen &&
      prev.selectedStep === pos.selectedStep &&
      prev.inspectorStudy === pos.inspectorStudy
    )
      return this.drain();
    await this.persist((s) => writeSection(s, UI_POSITION, pos));
    await this.drain();
  }

  savedPosition(): Partial<UiPosition> {
    return readSection(this.run.state, UI_POSITION) ?? { selectedStep: null, inspectorStudy: null };
  }

  /** The inspector's index, rebuilt only when an artifact changed since the last build. */
  studyIndex(): Promise<StudyIndex> {
    const key = JSON.stringify(this.run.state.artifacts);
    if (!this.indexCache || this.indexCache.key !== key || this.running) {
      this.indexCache = { key, index: StudyIndex.build(this.run) };
    }
    return this.indexCache.index;
  }

  judgments(): Promise<ReviewStore> {
    return (this.judgmentStore ??= ReviewStore.load(this.run));
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.uiTimer) clearTimeout(this.uiTimer);
    if (this.follow) clearInterval(this.follow);
    this.follow = null;
    this.timer = null;
    this.uiTimer = null;
  }
}
