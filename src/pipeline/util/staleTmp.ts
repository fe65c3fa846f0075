import fs from 'node:fs';
import path from 'node:path';

/** Temp files written as `NAME.tmp-PID` before an atomic rename. */
const TMP_NAME = /\.tmp-(\d+)$/;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove `*.tmp-PID` files left in `dir` by a writer that was killed before its
 * rename: those of dead processes, and this process's own (a write it abandoned,
 * since the caller is about to write afresh). Returns the names removed.
 */
export function sweepStaleTmpFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const removed: string[] = [];
  for (const name of fs.readdirSync(dir)) {
    const m = TMP_NAME.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && alive(pid)) continue;
    fs.rmSync(path.join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}
