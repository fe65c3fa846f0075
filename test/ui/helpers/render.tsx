import { render } from 'ink-testing-library';
import React from 'react';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App } from '../../../src/ui/App.js';
import { AppController } from '../../../src/ui/state/controller.js';
import type { UiState } from '../../../src/ui/state/types.js';
import type { AnyStep } from '../../../src/pipeline/steps/contract.js';
import { Run } from '../../../src/pipeline/store/run.js';

export const KEY = {
  up: '\u001B[A',
  down: '\u001B[B',
  right: '\u001B[C',
  left: '\u001B[D',
  enter: '\r',
  escape: '\u001B',
  tab: '\t',
  ctrlC: '\u0003',
  backspace: '\u007F',
};

export type Rendered = ReturnType<typeof render>;

/** Set the fake terminal's size and tell ink it changed (as a resize does). */
export function resize(r: Rendered, columns: number, rows: number): void {
  Object.defineProperty(r.stdout, 'columns', { value: columns, configurable: true });
  Object.defineProperty(r.stdout, 'rows', { value: rows, configurable: true });
  r.stdout.emit('resize');
}

/** Poll until `check` passes (or time runs out, then throw with the last frame). */
export async function waitFor(
  r: Rendered,
  check: (frame: string) => boolean,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<string> {
  const start = Date.now();
  for (;;) {
    const frame = r.lastFrame() ?? '';
    if (check(frame)) return frame;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}; last frame:\n${frame}`);
    await new Promise((res) => setTimeout(res, 10));
  }
}

export type Expect = string | RegExp | ((frame: string) => boolean);

export function waitForText(r: Rendered, text: Expect, timeoutMs = 15_000): Promise<string> {
  const ok = (f: string) =>
    typeof text === 'string' ? f.includes(text) : typeof text === 'function' ? text(f) : text.test(f);
  return waitFor(r, ok, timeoutMs, String(text));
}

/** Send keys (one write per key, as a terminal does) and wait for the expected text. */
export async function pressAndWaitFor(
  r: Rendered,
  keys: string | string[],
  text: Expect,
  timeoutMs = 15_000,
): Promise<string> {
  for (const k of Array.isArray(keys) ? keys : [keys]) {
    r.stdin.write(k);
    await new Promise((res) => setImmediate(res));
  }
  return waitForText(r, text, timeoutMs);
}

/** Type a string character by character into a focused text input. */
export async function typeText(r: Rendered, text: string): Promise<void> {
  for (const ch of text) {
    r.stdin.write(ch);
    await new Promise((res) => setImmediate(res));
  }
}

export async function tempRun(): Promise<Run> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cxrvqa-ui-'));
  return Run.open(path.join(dir, 'run'), { create: true });
}

export interface AppHarness extends Rendered {
  controller: AppController;
  run: Run;
  forced: { count: number };
  quit: { count: number };
  newRun: { count: number };
}

/** Mount the whole app (providers included) on a run, at 80×24 by default. */
export async function renderApp(
  run: Run,
  steps: readonly AnyStep[],
  opts: {
    initial?: Partial<UiState>;
    columns?: number;
    rows?: number;
    flushMs?: number;
    /** The controller's clock (stalls) and its stall threshold. */
    now?: () => number;
    stallSeconds?: number;
  } = {},
): Promise<AppHarness> {
  const controller = new AppController(run, steps, {
    env: { confirmations: new Set(), env: {} },
    flushMs: opts.flushMs,
    now: opts.now,
    stallSeconds: opts.stallSeconds,
  });
  const forced = { count: 0 };
  const quit = { count: 0 };
  const newRun = { count: 0 };
  const r = render(
    <App
      controller={controller}
      onForceExit={() => forced.count++}
      onQuit={() => quit.count++}
      onNewRun={() => newRun.count++}
      initial={opts.initial}
    />,
  );
  resize(r, opts.columns ?? 80, opts.rows ?? 24);
  await waitFor(r, (f) => f.includes('cxrvqa'), 5000, 'first frame');
  return Object.assign(r, { controller, run, forced, quit, newRun });
}

/** Frame text without colour/inverse escape codes. */
export function plain(frame: string): string {
  // eslint-disable-next-line no-control-regex
  return frame.replace(/\x1b\[[0-9;]*m/g, '');
}

/** Wait until the app has quit cleanly (position and pending writes saved). */
export async function waitForQuit(app: AppHarness, timeoutMs = 15_000): Promise<void> {
  const start = Date.now();
  while (app.quit.count === 0) {
    if (Date.now() - start > timeoutMs) throw new Error('app did not quit');
    await new Promise((res) => setTimeout(res, 10));
  }
}

/** Longest line of a frame, in characters. */
export function frameWidth(frame: string): number {
  return Math.max(0, ...frame.split('\n').map((l) => [...l].length));
}
