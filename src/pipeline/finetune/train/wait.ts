import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Manual mode: the user runs a printed command elsewhere (a GPU box, a
 * scheduler); we poll for its result until it is there, the wait times out, or
 * the step is cancelled.
 */
export interface WaitOptions {
  signal: AbortSignal;
  pollMs: number;
  /** 0 = no limit. */
  timeoutMs: number;
  onPoll?: (elapsedMs: number, problems: string[]) => void;
}

export async function waitForResult(
  check: () => string[],
  opts: WaitOptions,
): Promise<{ ok: true } | { ok: false; problems: string[] }> {
  const start = Date.now();
  for (;;) {
    const problems = check();
    if (problems.length === 0) return { ok: true };
    const elapsed = Date.now() - start;
    if (opts.timeoutMs > 0 && elapsed >= opts.timeoutMs) return { ok: false, problems };
    opts.onPoll?.(elapsed, problems);
    // Rejects with an AbortError when the signal fires.
    await sleep(opts.pollMs, undefined, { signal: opts.signal });
  }
}
