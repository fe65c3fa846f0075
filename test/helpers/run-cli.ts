import { CommanderError } from 'commander';
import { createProgram } from '../../src/cli/program.js';

export interface CliResult {
  stdout: string;
  stderr: string;
  /** The exit status the binary would have had. */
  status: number;
}

export interface RunCliOptions {
  /** The whole environment for the run, as with `spawn` (spread `process.env` to inherit); unchanged when omitted. */
  env?: NodeJS.ProcessEnv;
  /** Working directory for the run; needs the forks pool (worker threads cannot `chdir`). */
  cwd?: string;
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs `cxrvqa <argv>` inside the test process: the same command tree as the binary, in milliseconds instead of a
 * node + tsx start-up per call. Commands write to the process streams, so those are captured for the run, and the
 * run's environment, working directory and exit code are swapped in and restored after it. Runs are serialized
 * because all of that is process-wide. Keep a few real-binary tests (test/e2e) for what only a process shows:
 * signals, broken pipes, stdin, the shebang and `dist/`.
 */
export function runCli(argv: string[], options: RunCliOptions = {}): Promise<CliResult> {
  const run = queue.then(() => runNow(argv, options));
  queue = run.catch(() => undefined);
  return run;
}

async function runNow(argv: string[], options: RunCliOptions): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const capture = (append: (text: string) => void) =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      append(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const done = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      done?.();
      return true;
    }) as typeof process.stdout.write;
  const restore = swapProcess(options, {
    stdout: capture((text) => (stdout += text)),
    stderr: capture((text) => (stderr += text)),
  });
  let status: number;
  try {
    const program = createProgram({
      exitOverride: true,
      output: { writeOut: (text) => (stdout += text), writeErr: (text) => (stderr += text) },
    });
    await program.parseAsync(['node', 'cxrvqa', ...argv]);
    status = Number(process.exitCode ?? 0);
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    status = err.exitCode;
  } finally {
    restore();
  }
  return { stdout, stderr, status };
}

function swapProcess(
  options: RunCliOptions,
  writers: { stdout: typeof process.stdout.write; stderr: typeof process.stderr.write },
): () => void {
  const saved = {
    stdout: process.stdout.write,
    stderr: process.stderr.write,
    exitCode: process.exitCode,
    env: { ...process.env },
    cwd: process.cwd(),
  };
  process.stdout.write = writers.stdout;
  process.stderr.write = writers.stderr;
  process.exitCode = undefined;
  // In place rather than a new object: modules that kept a reference to process.env see the run's values too.
  if (options.env) replaceEnv(options.env);
  if (options.cwd) process.chdir(options.cwd);
  return () => {
    process.stdout.write = saved.stdout;
    process.stderr.write = saved.stderr;
    process.exitCode = saved.exitCode;
    if (options.env) replaceEnv(saved.env);
    if (options.cwd) process.chdir(saved.cwd);
  };
}

function replaceEnv(next: NodeJS.ProcessEnv): void {
  for (const key of Object.keys(process.env)) if (!(key in next)) delete process.env[key];
  for (const [key, value] of Object.entries(next)) if (value !== undefined) process.env[key] = value;
}
