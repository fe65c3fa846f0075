import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { UserError } from '../util/errors.js';

/** Who holds a run; written beside the lock so a second process can say who it is. */
export interface LockHolder {
  pid: number;
  host: string;
  command: string;
  since: string;
}

export interface RunLock {
  release(): Promise<void>;
}

/** Another live process holds the run's writer lock; `holder` says who (null when it left no note). */
export class RunLockedError extends UserError {
  constructor(
    readonly runDir: string,
    readonly holder: LockHolder | null,
  ) {
    const who = holder
      ? `process ${holder.pid} on ${holder.host} (${holder.command || 'cxrvqa'}), since ${holder.since}`
      : 'another process';
    super(
      `The run ${runDir} is in use by ${who}.`,
      'Wait for it to finish, or stop it (Ctrl-C) first. Read-only commands such as `cxrvqa status` still work.',
    );
    this.name = 'RunLockedError';
  }
}

const LOCK_NAME = 'run.lock';
const HOLDER_NAME = 'run.lock.holder.json';

/**
 * Take the run's writer lock. proper-lockfile keeps the lock fresh while we live
 * and lets it go stale when we die; a holder on this host whose pid is gone is
 * treated as stale at once, so a resume after kill -9 need not wait.
 */
export async function acquireRunLock(
  runDir: string,
  onWarning: (message: string) => void,
  command = process.argv.slice(1).join(' '),
): Promise<RunLock> {
  const lockPath = path.join(runDir, LOCK_NAME);
  const holderPath = path.join(runDir, HOLDER_NAME);
  const tryLock = () =>
    lockfile.lock(runDir, {
      lockfilePath: lockPath,
      stale: 10_000,
      update: 3_000,
      retries: 0,
      realpath: false,
      // Not thrown: proper-lockfile calls this from a timer, where a throw would kill the process.
      onCompromised: (err) => onWarning(`run lock was compromised: ${err.message}`),
    });
  let release: () => Promise<void>;
  try {
    release = await tryLock();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
    const holder = readHolder(holderPath);
    if (holder && holder.host === os.hostname() && !pidAlive(holder.pid)) {
      fs.rmSync(lockPath, { recursive: true, force: true });
      release = await tryLock();
    } else {
      throw new RunLockedError(runDir, holder);
    }
  }
  const holder: LockHolder = { pid: process.pid, host: os.hostname(), command, since: new Date().toISOString() };
  fs.writeFileSync(holderPath, JSON.stringify(holder, null, 2));
  return {
    async release() {
      try {
        fs.rmSync(holderPath, { force: true });
        await release();
      } catch {
        /* already released or compromised: nothing left to free */
      }
    },
  };
}

export function readHolder(holderPath: string): LockHolder | null {
  try {
    return JSON.parse(fs.readFileSync(holderPath, 'utf8')) as LockHolder;
  } catch {
    return null;
  }
}

/** Who holds the run, and whether that process still lives (null: on another host, cannot tell). */
export function holderState(runDir: string): { holder: LockHolder | null; alive: boolean | null } {
  const holder = readHolder(path.join(runDir, HOLDER_NAME));
  if (!holder) return { holder: null, alive: false };
  if (holder.host !== os.hostname()) return { holder, alive: null };
  return { holder, alive: pidAlive(holder.pid) };
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A killed process its parent has not reaped yet (a zombie, e.g. under tmux with
  // remain-on-exit) still answers signal 0 but holds nothing.
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state follows the parenthesised command name, which may itself contain spaces or ')'.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false; // no /proc (not Linux): trust the signal
  }
}
