import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Path of the built CLI; the e2e tests drive the real binary. */
export const CLI = path.resolve('dist/src/cli.js');

export function requireTmux(): void {
  const r = spawnSync('tmux', ['-V'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(
      'tmux is required for the end-to-end test (CI installs it: apt-get install -y tmux). It was not found on PATH.',
    );
  }
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (\`npm test\` does).`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One tmux server on a private socket (so a developer's own sessions are never
 * touched), one session, one pane running the app.
 */
export class TmuxApp {
  readonly socket: string;
  constructor(
    readonly name: string,
    private readonly env: Record<string, string>,
  ) {
    this.socket = `cxrvqa-e2e-${process.pid}-${name}`;
  }

  private tmux(args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  /** Start `node dist/src/cli.js <args>` in an 80×24 pane (exec, so the pane pid is node's). */
  start(cliArgs: string[], size = { columns: 80, rows: 24 }, cwd = process.cwd()): void {
    const envArgs = Object.entries(this.env).map(([k, v]) => `${k}=${shellQuote(v)}`);
    // CI=true (set by CI runners) would make the app choose the plain line logs.
    const cmd = `cd ${shellQuote(cwd)} && exec env -u CI -u GITHUB_ACTIONS TERM=xterm-256color ${envArgs.join(' ')} ${shellQuote(process.execPath)} ${shellQuote(CLI)} ${cliArgs.map(shellQuote).join(' ')}`;
    this.tmux(['new-session', '-d', '-s', 'main', '-x', String(size.columns), '-y', String(size.rows), cmd]);
    this.tmux(['set-option', '-t', 'main', 'remain-on-exit', 'on']);
  }

  /** Send tmux key names (Enter, Escape, Down, C-c) or literal text, one at a time. */
  async send(...keys: string[]): Promise<void> {
    for (const k of keys) {
      this.tmux(['send-keys', '-t', 'main', k]);
      // Esc followed at once by a letter reads as Alt+letter in any terminal.
      await sleep(k === 'Escape' ? 150 : 60);
    }
  }

  /** Send a whole string as one write to the pane, as a paste or a burst over SSH arrives. */
  sendBurst(text: string): void {
    this.tmux(['send-keys', '-t', 'main', '-l', text]);
  }

  capture(): string {
    return this.tmux(['capture-pane', '-p', '-t', 'main']);
  }

  async waitFor(
    check: string | RegExp | ((screen: string) => boolean),
    timeoutMs = 20_000,
    what?: string,
  ): Promise<string> {
    const ok =
      typeof check === 'string'
        ? (s: string) => s.includes(check)
        : typeof check === 'function'
          ? check
          : (s: string) => check.test(s);
    const start = Date.now();
    for (;;) {
      const last = this.capture();
      if (ok(last)) return last;
      if (Date.now() - start > timeoutMs)
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what ?? String(check)}; screen:\n${last}`);
      await sleep(100);
    }
  }

  pid(): number {
    return Number(this.tmux(['display-message', '-p', '-t', 'main', '#{pane_pid}']).trim());
  }

  paneDead(): boolean {
    return this.tmux(['display-message', '-p', '-t', 'main', '#{pane_dead}']).trim() === '1';
  }

  resize(columns: number, rows: number): void {
    this.tmux(['resize-window', '-t', 'main', '-x', String(columns), '-y', String(rows)]);
  }

  kill(): void {
    try {
      this.tmux(['kill-server']);
    } catch {
      /* already gone */
    }
  }
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Widest line of a captured screen. */
export function screenWidth(screen: string): number {
  return Math.max(0, ...screen.split('\n').map((l) => [...l.replace(/\s+$/, '')].length));
}
