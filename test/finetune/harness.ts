import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runStep, type StepOutcome } from '../../src/pipeline/runner/runner.js';
import { ExtractionResultSchema, type ExtractionResult } from '../../src/pipeline/schemas/extraction.js';
import { ReportRecordSchema } from '../../src/pipeline/schemas/report.js';
import type { AnyStep, RunnerEvent, StepEvent } from '../../src/pipeline/steps/contract.js';
import { Run } from '../../src/pipeline/store/run.js';
import { syntheticReports } from '../helpers/reports.js';
import { makeTempDir } from '../helpers/tmp.js';
import { StepStateSchema } from '../../src/pipeline/schemas/state.js';

/** Test harness for the fine-tune steps: a run with reports, stand-in tools on PATH, recorded calls. */

export const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/bin');

export interface Call {
  tool: string;
  pid: number;
  argv: string[];
}

export interface Harness {
  dir: string;
  run: Run;
  callsFile: string;
  env: NodeJS.ProcessEnv;
  calls(): Call[];
  step(
    step: AnyStep,
    opts?: { env?: NodeJS.ProcessEnv; signal?: AbortSignal; force?: boolean; onEvent?: (e: StepEvent) => void },
  ): Promise<{ outcome: StepOutcome; events: StepEvent[]; end: RunnerEvent | undefined }>;
  cleanup(): Promise<void>;
}

export async function makeHarness(
  opts: {
    reports?: number;
    llm?: Record<string, unknown>;
    params?: Record<string, Record<string, unknown>>;
    env?: NodeJS.ProcessEnv;
  } = {},
): Promise<Harness> {
  const tmp = makeTempDir('cxrvqa-ft-');
  const run = await Run.open(tmp.dir, { create: true });
  const reports = run.artifact('reports', ReportRecordSchema);
  reports.appendMany(syntheticReports(opts.reports ?? 8));
  reports.close();
  await run.update((s) => {
    s.config.backend = 'llm';
    s.config.llm = opts.llm ?? {
      profiles: { gold: { model: 'strong', endpoints: [{ url: 'http://127.0.0.1:9/v1' }] } },
    };
    s.artifacts.reports = { version: 1, count: opts.reports ?? 8, updatedAt: null };
    for (const [id, params] of Object.entries(opts.params ?? {}))
      s.steps[id] = { ...(s.steps[id] ?? blankState()), params };
  });
  const callsFile = path.join(tmp.dir, 'calls.jsonl');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${BIN}${path.delimiter}${process.env.PATH ?? ''}`,
    STANDIN_CALLS: callsFile,
    STANDIN_GPUS: '2',
    ...opts.env,
  };
  return {
    dir: tmp.dir,
    run,
    callsFile,
    env,
    calls: () =>
      fs.existsSync(callsFile)
        ? fs
            .readFileSync(callsFile, 'utf8')
            .trim()
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as Call)
        : [],
    async step(step, o = {}) {
      const events: StepEvent[] = [];
      let end: RunnerEvent | undefined;
      const outcome = await runStep(run, step, {
        signal: o.signal ?? new AbortController().signal,
        env: { confirmations: new Set(), env: o.env ?? env },
        force: o.force,
        onEvent: (e) => {
          if (e.type === 'step-event') {
            events.push(e.event);
            o.onEvent?.(e.event);
          }
          if (e.type === 'step-end') end = e;
        },
      });
      return { outcome, events, end };
    },
    async cleanup() {
      await run.close();
      tmp.cleanup();
    },
  };
}

function blankState() {
  return StepStateSchema.parse({ status: 'not_run', params: {} });
}

/** Write gold records directly (finetune tests that do not need the strong model). */
export function writeGold(run: Run, n: number, over: (i: number) => Partial<ExtractionResult> = () => ({})): void {
  const gold = run.artifact('gold', ExtractionResultSchema);
  gold.appendMany(
    syntheticReports(n).map((r, i) => ({
      study_id: r.study_id,
      status: 'ok' as const,
      backend: 'llm' as const,
      keyinfo: {
        opacity_vs_clear: {},
        entity: { 'pleural effusion': { location: 'left', level: 'small', type: null } },
        uncertain_entity: [],
        no_entity: ['pneumothorax'],
      },
      ...over(i),
    })),
  );
  gold.close();
}

export const logs = (events: StepEvent[]) =>
  events.filter((e): e is Extract<StepEvent, { type: 'log' }> => e.type === 'log').map((e) => e.message);

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Step errors of the run, as the message of a failed `outcome` assertion. */
export function stepErrors(h: Harness): string {
  return Object.entries(h.run.state.steps)
    .filter(([, st]) => st.error)
    .map(([id, st]) => `${id}: ${st.error}`)
    .join('\n');
}
