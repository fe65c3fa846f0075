import type { StepEvent } from '../../steps/contract.js';
import { UserError } from '../../util/errors.js';
import { commandLine, runChild } from '../proc/child.js';
import { which } from '../proc/tools.js';
import { readMarker, writeMarker } from './outputs.js';
import { waitForResult } from './wait.js';

/**
 * One external stage (train or merge): skipped when its result is on disk and
 * was made with the same config; run as a child process when the tool is on
 * PATH; otherwise the exact command is printed and the result awaited.
 */

export interface StageSpec {
  name: string;
  tool: string;
  args: string[];
  /** Config file the user would pass by hand (shown in manual mode). */
  configFile: string;
  logFile: string;
  /** Problems with the expected result; empty = done. */
  check: () => string[];
  /** What the user should look for, in words (manual mode). */
  expects: string;
  marker: string;
  fingerprint: string;
}

export interface StageEnv {
  env: NodeJS.ProcessEnv;
  cwd?: string;
  signal: AbortSignal;
  emit: (e: StepEvent) => void;
  execution: 'auto' | 'manual';
  pollMs: number;
  waitMs: number;
  /** Per output line (loss parsing); lines it returns true for are not logged. */
  onLine?: (line: string) => boolean;
}

export type StageOutcome = 'skipped' | 'spawned' | 'manual';

const MAX_LINE = 400;

export async function runStage(spec: StageSpec, env: StageEnv): Promise<StageOutcome> {
  const log = (message: string, level: 'info' | 'warn' | 'error' = 'info') => env.emit({ type: 'log', level, message });
  const marker = readMarker(spec.marker);
  if (marker && marker.fingerprint === spec.fingerprint && spec.check().length === 0) {
    log(`${spec.name}: already done (${marker.finishedAt}); not run again`);
    return 'skipped';
  }
  const tool = env.execution === 'auto' ? which(spec.tool, env.env) : null;
  const cmd = commandLine(spec.tool, spec.args);
  if (tool) {
    log(`${spec.name}: $ ${cmd}   (log: ${spec.logFile})`);
    const started = Date.now();
    const res = await runChild({
      command: tool,
      args: spec.args,
      env: env.env,
      cwd: env.cwd,
      logFile: spec.logFile,
      signal: env.signal,
      tailLines: 20,
      onLine: (line) => {
        if (env.onLine?.(line)) return;
        // LLaMA-Factory dumps a training example as one line of thousands of token ids; the log file keeps it whole.
        log(`${spec.name} | ${line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}… (${line.length} chars)` : line}`);
      },
    });
    env.signal.throwIfAborted();
    if (res.aborted) throw new DOMException(`${spec.name} cancelled`, 'AbortError');
    if (res.code !== 0) {
      throw new Error(
        `${spec.tool} ${spec.args[0] ?? ''} exited with ${res.code ?? res.signal}. Last log lines:\n${res.tail.map((l) => `  ${l}`).join('\n')}\n` +
          `Full log: ${spec.logFile}. Fix the cause and run the step again: finished work and checkpoints are kept.`,
      );
    }
    const problems = spec.check();
    if (problems.length)
      throw new Error(
        `${spec.name} exited 0 but its result is incomplete: ${problems.join('; ')} (log: ${spec.logFile})`,
      );
    writeMarker(spec.marker, { fingerprint: spec.fingerprint, finishedAt: new Date().toISOString(), how: 'spawned' });
    log(`${spec.name}: finished in ${formatSeconds((Date.now() - started) / 1000)}`);
    return 'spawned';
  }

  log(env.execution === 'manual' ? `${spec.name}: manual mode` : `${spec.name}: ${spec.tool} is not on PATH`, 'warn');
  log(`${spec.name}: run this by hand (on the machine with the GPUs, same paths):`);
  log(`    ${cmd}`);
  log(
    `${spec.name}: config ${spec.configFile}; waiting for ${spec.expects}${env.waitMs > 0 ? ` (up to ${formatSeconds(env.waitMs / 1000)})` : ' (Ctrl-C stops waiting; the step resumes later)'}`,
  );
  let lastNote = 0;
  const res = await waitForResult(spec.check, {
    signal: env.signal,
    pollMs: env.pollMs,
    timeoutMs: env.waitMs,
    onPoll: (elapsed, problems) => {
      if (elapsed - lastNote >= 60_000) {
        lastNote = elapsed;
        log(`${spec.name}: still waiting (${formatSeconds(elapsed / 1000)}): ${problems[0]}`);
      }
    },
  });
  if (!res.ok) {
    throw new UserError(
      `${spec.name}: gave up waiting for ${spec.expects}: ${res.problems.join('; ')}.`,
      `Run: ${cmd} — then run the step again.`,
    );
  }
  writeMarker(spec.marker, { fingerprint: spec.fingerprint, finishedAt: new Date().toISOString(), how: 'manual' });
  log(`${spec.name}: result found and verified`);
  return 'manual';
}

export function formatSeconds(s: number): string {
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}
