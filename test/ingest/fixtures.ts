import fs from 'node:fs';
import path from 'node:path';
import { ingestStep } from '../../src/pipeline/ingest/step.js';
import { runStep } from '../../src/pipeline/runner/runner.js';
import type { CorpusConfig } from '../../src/pipeline/schemas/state.js';
import type { IngestIssue, ReportRecord } from '../../src/pipeline/schemas/report.js';
import type { AnyStep, RunnerEvent } from '../../src/pipeline/steps/contract.js';
import { Run } from '../../src/pipeline/store/run.js';

/** Write a report at files/pXX/pSUBJECT/sSTUDY.txt under root. */
export function writeReport(root: string, subject: string, study: string, content: string | Buffer): string {
  const rel = path.join('files', `p${subject.slice(0, 2)}`, `p${subject}`, `s${study}.txt`);
  fs.mkdirSync(path.join(root, path.dirname(rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), content);
  return rel;
}

export function writeFile(file: string, content: string | Buffer): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

export const REPORT = (n: number) =>
  ` EXAMINATION: CHEST\n \n INDICATION: cough\n \n FINDINGS:\n \n Small left pleural effusion number ${n}.\n \n IMPRESSION:\n \n Effusion.\n`;

export interface IngestOutcome {
  outcome: string;
  run: Run;
  reports: ReportRecord[];
  issues: IngestIssue[];
  counts: Record<string, number>;
  events: RunnerEvent[];
}

const env = { confirmations: new Set<string>(), env: {} };

/** Run the real ingest step through the runner in a run folder. */
export async function ingest(runDir: string, corpus: Partial<CorpusConfig> & Pick<CorpusConfig, 'kind' | 'path'>, opts: { signal?: AbortSignal; mode?: 'fresh' | 'resume'; params?: Record<string, unknown>; keepOpen?: boolean } = {}): Promise<IngestOutcome> {
  const run = await Run.open(runDir, { create: true });
  await run.update((s) => {
    s.config.corpus = { metadata: null, columns: {}, credentialed: false, ...corpus };
    if (opts.params) s.steps.ingest = { ...(s.steps.ingest ?? ({} as never)), params: opts.params } as never;
  });
  const events: RunnerEvent[] = [];
  try {
    const outcome = await runStep(run, ingestStep as unknown as AnyStep, {
      signal: opts.signal ?? new AbortController().signal,
      env,
      mode: opts.mode,
      onEvent: (e) => events.push(e),
    });
    const reports: ReportRecord[] = [];
    for await (const r of run.artifact<ReportRecord>('reports').lines()) reports.push(r);
    const issues: IngestIssue[] = [];
    for await (const i of run.artifact<IngestIssue>('ingest-issues').lines()) issues.push(i);
    return { outcome, run, reports, issues, counts: run.state.steps.ingest?.counts ?? {}, events };
  } finally {
    if (!opts.keepOpen) await run.close();
  }
}
