import fs from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { Run, type RunEnv, UserError } from '../pipeline/index.js';
import { readLastRun } from '../ui/lastRun.js';

export const DEFAULT_RUN_DIR = 'runs/default';

export function runDirOption(): Option {
  return new Option('--run <dir>', 'run folder').default(DEFAULT_RUN_DIR);
}

/** `--run` of the commands that work on the current run: no default here, `withRun` resolves it. */
export function currentRunOption(): Option {
  return new Option('--run <dir>', `run folder (default: the last opened run, else ${DEFAULT_RUN_DIR})`);
}

/**
 * The run a command works on: the one given, else the last one opened (said on stderr, so piped output
 * stays clean), else the default folder.
 */
export function resolveRunDir(given: string | undefined): string {
  if (given !== undefined) return given;
  const last = readLastRun();
  if (!last) return DEFAULT_RUN_DIR;
  process.stderr.write(`run: ${last} (last opened)\n`);
  return last;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function makeEnv(confirmations: string[] = [], cycle?: number): RunEnv {
  return { confirmations: new Set(confirmations), env: process.env, cycle };
}

/**
 * First Ctrl-C aborts gracefully (in-flight work is recorded as not done), a
 * second one forces the exit.
 */
export function installInterrupt(onFirst?: () => void): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  let count = 0;
  const handler = () => {
    count++;
    if (count === 1) {
      process.stderr.write('\nStopping after in-flight work is recorded… (Ctrl-C again to force)\n');
      onFirst?.();
      controller.abort();
    } else {
      process.stderr.write('Forced exit.\n');
      process.exit(130);
    }
  };
  // The log's reader went away (`| head`, a dropped SSH session without nohup): an unhandled EPIPE
  // would kill the process mid-step and leave it `running`; stop gracefully instead, like SIGHUP.
  const onStreamError = (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
    if (!controller.signal.aborted) {
      onFirst?.();
      controller.abort();
    }
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  process.on('SIGHUP', handler);
  process.stdout.on('error', onStreamError);
  process.stderr.on('error', onStreamError);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      process.off('SIGHUP', handler);
      process.stdout.off('error', onStreamError);
      process.stderr.off('error', onStreamError);
      // Writes made just before dispose report their EPIPE on a later tick: keep ignoring those.
      for (const stream of [process.stdout, process.stderr]) {
        if (!stream.listeners('error').includes(ignoreBrokenPipe)) stream.on('error', ignoreBrokenPipe);
      }
    },
  };
}

function ignoreBrokenPipe(err: NodeJS.ErrnoException): void {
  if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
}

/** Wrap a command action: user errors print one message and exit non-zero, no stack trace. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number | void>) {
  return async (...args: A): Promise<void> => {
    try {
      const code = await fn(...args);
      if (typeof code === 'number') process.exitCode = code;
    } catch (err) {
      if (err instanceof UserError) {
        process.stderr.write(`error: ${err.message}\n${err.hint ? `hint: ${err.hint}\n` : ''}`);
        process.exitCode = err.exitCode;
      } else {
        process.stderr.write(`internal error: ${(err as Error).stack ?? String(err)}\n`);
        process.exitCode = 1;
      }
    }
  };
}

export interface WithRunOptions {
  create?: boolean;
  readOnly?: boolean;
  /**
   * With `create`: whether a run folder this call created holds work worth keeping when `fn` throws (a
   * step started). When not, the folder goes, so a refused command leaves no empty run behind.
   */
  keepOnError?: () => boolean;
}

/** Open the run (`dir` undefined: the current one, see `resolveRunDir`), give it to `fn`, close it. */
export async function withRun<T>(
  given: string | undefined,
  opts: WithRunOptions,
  fn: (run: Run) => Promise<T>,
): Promise<T> {
  const dir = resolveRunDir(given);
  const created = opts.create ? firstMissing(path.resolve(dir)) : null;
  const run = await Run.open(dir, {
    create: opts.create,
    readOnly: opts.readOnly,
    onWarning: (message) => process.stderr.write(`warning: ${message}\n`),
  });
  let discard = false;
  try {
    return await fn(run);
  } catch (err) {
    discard = created !== null && !(opts.keepOnError?.() ?? false);
    throw err;
  } finally {
    await run.close();
    if (discard) fs.rmSync(created!, { recursive: true, force: true });
  }
}

/** The outermost folder of `dir` that does not exist yet (what creating it makes), or null when it exists. */
function firstMissing(dir: string): string | null {
  let missing: string | null = null;
  for (let d = dir; !fs.existsSync(d); d = path.dirname(d)) {
    missing = d;
    if (path.dirname(d) === d) break;
  }
  return missing;
}

export type { Command };
