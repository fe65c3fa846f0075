import { render } from 'ink';
import React from 'react';
import {
  type AnyStep,
  applyConfig,
  corpusConfigFrom,
  Run,
  type RunEnv,
  RunLockedError,
  STEPS,
} from '../pipeline/index.js';
import { App } from './App.js';
import { readLastRun, writeLastRun } from './lastRun.js';
import { AppController } from './state/controller.js';
import { Wizard, type WizardResult } from './wizard/Wizard.js';

export interface LaunchOptions {
  /** Run folder; when absent the last run is opened, or the wizard asks. */
  runDir?: string;
  /** Configure the run on the bundled sample with the rules backend when it has no corpus. */
  demo?: boolean;
  env: RunEnv;
  steps?: readonly AnyStep[];
  /** Start with the wizard (`cxrvqa new`, or a folder without a run); `runDir` is then its suggested folder. */
  wizard?: boolean;
}

/** Interactive only when both ends are terminals and nothing says otherwise. */

// The alternate screen, and bracketed paste so a pasted text arrives marked as one (keyTokens.ts).
const ALT_ON = '\x1b[?1049h\x1b[H\x1b[?2004h';
const ALT_OFF = '\x1b[?2004l\x1b[?1049l';

export async function launchApp(opts: LaunchOptions): Promise<number> {
  // `cxrvqa new` / `open` on an empty folder: the wizard first, with the folder given as its suggestion.
  let runDir = opts.wizard ? null : (opts.runDir ?? readLastRun());
  let suggested = opts.wizard ? opts.runDir : undefined;
  let ask = !runDir;
  // `n` in the notebook closes the run and comes back here for the wizard; cancelling it reopens the run left.
  for (;;) {
    let setup: WizardResult | null = null;
    if (ask) {
      // From the app (n): the main screen still holds what was there before; the wizard starts on a clear one.
      if (runDir) process.stdout.write('\x1b[2J\x1b[H');
      const answer = await runWizard(suggested);
      suggested = undefined;
      if (answer) {
        runDir = answer.runDir;
        setup = answer;
      } else if (!runDir) return 0;
    }
    const ended = await openAndMount(runDir!, setup, opts);
    if (!ended.newRun) return ended.code;
    ask = true;
  }
}

async function openAndMount(
  runDir: string,
  setup: WizardResult | null,
  opts: LaunchOptions,
): Promise<{ code: number; newRun: boolean }> {
  let run: Run;
  let note: string | null = null;
  // Store warnings (a compromised lock) go to the footer once the app is up; stderr would draw over it.
  const warnings: WarningRelay = { sink: null, early: [] };
  const onWarning = (message: string) => (warnings.sink ? warnings.sink(message) : void warnings.early.push(message));
  try {
    run = await Run.open(runDir, { create: Boolean(opts.demo || setup), onWarning });
  } catch (err) {
    // Someone else holds the run: still let the user look.
    if (!(err instanceof RunLockedError)) throw err;
    run = await Run.open(runDir, { readOnly: true });
    note = `${err.message} Opened read-only.`;
  }
  try {
    if (!run.readOnly) {
      if (setup)
        await applyConfig(run, {
          corpus: setup.corpus,
          backend: setup.backend,
          ...(setup.llm ? { llm: { ...run.state.config.llm, ...setup.llm } } : {}),
        });
      else if (opts.demo && !run.state.config.corpus)
        await applyConfig(run, { corpus: corpusConfigFrom({ sample: true })!, backend: 'rules' });
    }
    writeLastRun(run.dir);
    return await mountApp(run, opts, note, warnings);
  } finally {
    await run.close();
  }
}

async function runWizard(defaultRunDir?: string): Promise<WizardResult | null> {
  let result: WizardResult | null = null;
  const app = render(
    <Wizard
      defaultRunDir={defaultRunDir}
      onDone={(r) => {
        result = r;
        app.unmount();
      }}
      onCancel={() => app.unmount()}
    />,
    { exitOnCtrlC: false },
  );
  await app.waitUntilExit();
  return result;
}

interface WarningRelay {
  sink: ((message: string) => void) | null;
  early: string[];
}

async function mountApp(
  run: Run,
  opts: LaunchOptions,
  note: string | null,
  warnings: WarningRelay,
): Promise<{ code: number; newRun: boolean }> {
  const controller = new AppController(run, opts.steps ?? STEPS, { env: opts.env });
  warnings.sink = (message) => controller.notify(`warning: ${message}`, 'warn');
  for (const message of warnings.early.splice(0)) warnings.sink(message);
  let exitCode = 0;
  const forceExit = () => {
    process.stdout.write(ALT_OFF);
    process.stderr.write('Forced exit: the interrupted step resumes on the next run.\n');
    process.exit(130);
  };
  // Signals from outside. A dropped SSH session (SIGHUP) or SIGTERM: stop the
  // step so it is recorded interrupted, stop drawing (the terminal is gone:
  // writes fail with EIO), and leave once the step has wound down. SIGINT sent
  // by kill: first stops, second forces.
  let signals = 0;
  let detached = false;
  const onWriteError = (err: NodeJS.ErrnoException) => {
    if (!detached && err.code !== 'EIO' && err.code !== 'EPIPE') throw err;
  };
  process.stdout.on('error', onWriteError);
  process.stderr.on('error', onWriteError);
  const onHangup = () => {
    detached = true;
    controller.stop();
    app.unmount();
  };
  const onInterrupt = () => {
    signals++;
    if (signals > 1 || !controller.running) return forceExit();
    controller.stop();
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onHangup);
  process.on('SIGHUP', onHangup);
  process.stdout.write(ALT_ON);
  let newRun = false;
  const app = render(<App controller={controller} onForceExit={forceExit} onNewRun={() => (newRun = true)} />, {
    exitOnCtrlC: false,
  });
  if (note) controller.notify(note, 'warn');
  try {
    await app.waitUntilExit();
    await controller.settle();
  } catch (err) {
    exitCode = 1;
    process.stderr.write(`${(err as Error).message}\n`);
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onHangup);
    process.off('SIGHUP', onHangup);
    if (!detached) process.stdout.write(ALT_OFF);
  }
  return { code: exitCode, newRun };
}
