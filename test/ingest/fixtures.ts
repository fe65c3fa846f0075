import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
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
export async function ingest(
  runDir: string,
  corpus: Partial<CorpusConfig> & Pick<CorpusConfig, 'kind' | 'path'>,
  opts: { signal?: AbortSignal; mode?: 'fresh' | 'resume'; params?: Record<string, unknown>; keepOpen?: boolean } = {},
): Promise<IngestOutcome> {
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

/** A made-up MIMIC-CXR-JPG folder: metadata gzipped, the other two plain. */
export function writeJpgFolder(dir: string): void {
  writeFile(
    path.join(dir, 'mimic-cxr-2.0.0-chexpert.csv'),
    [
      'subject_id,study_id,Atelectasis,Cardiomegaly',
      '10000001,50000001,1.0,',
      '10000001,50000002,,-1.0',
      '10000001,50000003,0.0,1.0',
      '10000002,50000004,,',
    ].join('\n') + '\n',
  );
  const meta =
    [
      'dicom_id,subject_id,study_id,ViewPosition,StudyDate,StudyTime,ViewCodeSequence_CodeMeaning',
      'd1,10000001,50000001,LATERAL,21800101,1000,lateral',
      'd2,10000001,50000001,PA,21800101,1000,postero-anterior',
      'd3,10000001,50000001,AP,21800101,1000,antero-posterior',
      'd4,10000001,50000002,LATERAL,21800505,1000,lateral',
      'd5,10000001,50000002,LL,21800505,1000,left lateral',
      'd6,10000001,50000003,AP,21800101,2300,antero-posterior',
    ].join('\n') + '\n';
  writeFile(path.join(dir, 'mimic-cxr-2.0.0-metadata.csv.gz'), zlib.gzipSync(meta));
  writeFile(
    path.join(dir, 'mimic-cxr-2.0.0-split.csv'),
    [
      'dicom_id,study_id,subject_id,split',
      'd1,50000001,10000001,train',
      'd2,50000001,10000001,test',
      'd3,50000001,10000001,train',
      'd4,50000002,10000001,validate',
      'd5,50000002,10000001,train',
      'd6,50000003,10000001,train',
    ].join('\n') + '\n',
  );
}
