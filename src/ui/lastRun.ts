import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Where `cxrvqa` remembers the last run it opened (XDG config dir). */
export function lastRunFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), '.config');
  return path.join(base, 'cxrvqa', 'last-run');
}

/** Whether `dir` holds a run (its state file). */
export function hasRun(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'state.json'));
}

export function readLastRun(env: NodeJS.ProcessEnv = process.env): string | null {
  try {
    const dir = fs.readFileSync(lastRunFile(env), 'utf8').trim();
    return dir && hasRun(dir) ? dir : null;
  } catch {
    return null;
  }
}

export function writeLastRun(dir: string, env: NodeJS.ProcessEnv = process.env): void {
  try {
    const file = lastRunFile(env);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, path.resolve(dir) + '\n');
  } catch {
    /* remembering is a convenience; a read-only home must not stop the app */
  }
}
