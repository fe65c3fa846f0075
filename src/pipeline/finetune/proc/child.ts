import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * External tools as real child processes. Each runs in its own process group
 * (detached) so a cancel stops the whole tree (torchrun workers, vLLM engine
 * processes), not just the launcher.
 */

export interface ChildSpec {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Every output line is appended here (with a header naming the command). */
  logFile: string;
  signal: AbortSignal;
  /** Called per output line; tqdm's carriage-return updates count as lines. */
  onLine?: (line: string) => void;
  /** Lines kept for error messages. */
  tailLines?: number;
  /** Grace period between SIGTERM and SIGKILL on cancel. */
  killAfterMs?: number;
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  aborted: boolean;
  tail: string[];
}

export function commandLine(command: string, args: readonly string[]): string {
  return [command, ...args].map(shellQuote).join(' ');
}

export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Kill a process group: SIGTERM, then SIGKILL if it is still there after the grace period. */
export function killGroup(pid: number, graceMs: number): void {
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    return;
  }
  const t = setTimeout(() => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }, graceMs);
  t.unref();
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Run a tool to completion, teeing its output to the log file and the line callback. */
export function runChild(spec: ChildSpec): Promise<ChildResult> {
  fs.mkdirSync(path.dirname(spec.logFile), { recursive: true });
  const log = fs.createWriteStream(spec.logFile, { flags: 'a' });
  log.write(`\n# ${new Date().toISOString()} $ ${commandLine(spec.command, spec.args)}\n`);
  const tail: string[] = [];
  const keep = spec.tailLines ?? 30;
  const pushLine = (line: string) => {
    if (line.trim() === '') return;
    tail.push(line);
    if (tail.length > keep) tail.shift();
    spec.onLine?.(line);
  };
  return new Promise((resolve) => {
    if (spec.signal.aborted) {
      log.end(() => resolve({ code: null, signal: null, aborted: true, tail }));
      return;
    }
    let child: ChildProcess;
    try {
      child = spawn(spec.command, spec.args, {
        cwd: spec.cwd,
        env: spec.env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      log.end(() => resolve({ code: 127, signal: null, aborted: false, tail: [String((err as Error).message)] }));
      return;
    }
    const splitters = [child.stdout!, child.stderr!].map((stream) => {
      let buf = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        log.write(chunk);
        buf += chunk;
        const parts = buf.split(/\r\n|\n|\r/);
        buf = parts.pop() ?? '';
        for (const p of parts) pushLine(p);
      });
      return () => {
        if (buf) pushLine(buf);
        buf = '';
      };
    });
    let aborted = false;
    const onAbort = () => {
      aborted = true;
      if (child.pid) killGroup(child.pid, spec.killAfterMs ?? 5000);
    };
    spec.signal.addEventListener('abort', onAbort, { once: true });
    let settled = false;
    const finish = (code: number | null, sig: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      spec.signal.removeEventListener('abort', onAbort);
      for (const flush of splitters) flush();
      // Resolve once the log is on disk, so a caller can read or show it right away.
      log.end(`# exit ${code ?? sig}\n`, () => resolve({ code, signal: sig, aborted, tail }));
    };
    child.on('error', (err) => {
      // e.g. ENOENT / EACCES: there may be no 'close' after this.
      pushLine(`failed to start ${spec.command}: ${err.message}`);
      finish(127, null);
    });
    child.on('close', (code, sig) => finish(code, sig));
  });
}

export interface Detached {
  pid: number;
  child: ChildProcess;
  /** Resolves with the exit code when the process ends (while we are still running). */
  exited: Promise<number | null>;
}

/**
 * Start a long-lived server that outlives this process: its output goes
 * straight to the log file, it gets its own process group, and it is unref'd.
 */
export function startDetached(spec: Omit<ChildSpec, 'signal' | 'onLine' | 'tailLines'>): Detached {
  fs.mkdirSync(path.dirname(spec.logFile), { recursive: true });
  fs.appendFileSync(spec.logFile, `\n# ${new Date().toISOString()} $ ${commandLine(spec.command, spec.args)}\n`);
  const fd = fs.openSync(spec.logFile, 'a');
  try {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    const exited = new Promise<number | null>((resolve) => {
      child.on('error', () => resolve(127));
      child.on('exit', (code) => resolve(code));
    });
    child.unref();
    if (!child.pid) throw new Error(`could not start ${spec.command}`);
    return { pid: child.pid, child, exited };
  } finally {
    fs.closeSync(fd);
  }
}

/** Last lines of a log file (for error messages about a detached server). */
export function tailFile(file: string, lines = 20): string[] {
  try {
    const size = fs.statSync(file).size;
    const fd = fs.openSync(file, 'r');
    try {
      const len = Math.min(size, 64 * 1024);
      const buf = Buffer.alloc(len);
      fs.readSync(fd, buf, 0, len, size - len);
      return buf
        .toString('utf8')
        .split(/\r\n|\n|\r/)
        .filter((l) => l.trim() !== '' && !l.startsWith('# '))
        .slice(-lines);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return [];
  }
}
