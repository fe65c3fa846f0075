import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ingestStep } from '../../src/pipeline/ingest/step.js';
import { corpusConfigFrom } from '../../src/pipeline/runner/configure.js';
import { findStep, STEPS } from '../../src/pipeline/steps/registry.js';
import { artifactName } from '../../src/pipeline/store/artifact.js';
import { Run } from '../../src/pipeline/store/run.js';
import { makeTempDir } from '../helpers/tmp.js';
import { ingest, REPORT, writeReport } from './fixtures.js';

let tmp: ReturnType<typeof makeTempDir>;
afterEach(() => tmp?.cleanup());

function corpusOf(n: number): string {
  const corpus = path.join(tmp.dir, 'corpus');
  for (let i = 0; i < n; i++)
    writeReport(corpus, String(10_000_000 + Math.floor(i / 3)), String(50_000_000 + i), REPORT(i));
  return corpus;
}

describe('ingest step', () => {
  it('is registered first, writes reports and ingest-issues and depends on the corpus config', () => {
    expect(STEPS[0]?.id).toBe('ingest');
    expect(findStep('ingest')).toBe(ingestStep);
    expect(ingestStep.writes.map(artifactName)).toEqual(['reports', 'ingest-issues']);
    expect(ingestStep.configKeys).toEqual(['corpus']);
    expect(ingestStep.params.parse({})).toEqual({ maxReportBytes: 1024 * 1024, concurrency: 32 });
  });

  it('resumes by study id: kept studies are not read again and nothing is duplicated', async () => {
    tmp = makeTempDir();
    const corpus = corpusOf(6);
    writeReport(corpus, '10000009', '50000099', Buffer.from([0x00]));
    const runDir = path.join(tmp.dir, 'run');
    const first = await ingest(runDir, { kind: 'mimic', path: corpus });
    expect(first.counts).toMatchObject({ input: 7, ingested: 6, skipped: 1 });
    // Simulate a crash after two records: keep two lines and mark the step interrupted.
    const file = path.join(runDir, 'artifacts', 'reports.jsonl');
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
    fs.writeFileSync(file, lines.slice(0, 2).join('\n') + '\n');
    const kept = lines.slice(0, 2).map((l) => JSON.parse(l).source as string);
    // Turn a kept study's file into binary data: re-reading it would log a `binary` issue.
    fs.writeFileSync(path.join(corpus, kept[0]!), Buffer.from([0, 1, 2]));
    const run = await Run.open(runDir);
    await run.update((s) => void (s.steps.ingest!.status = 'interrupted'));
    await run.close();

    const second = await ingest(runDir, { kind: 'mimic', path: corpus });
    expect(second.events.find((e) => e.type === 'step-start')).toMatchObject({ mode: 'resume' });
    expect(second.reports).toHaveLength(6);
    expect(new Set(second.reports.map((r) => r.study_id)).size).toBe(6);
    // The skip is detected again but not logged twice.
    expect(second.issues.map((i) => `${i.reason}:${i.study_id}`)).toEqual(['binary:50000099']);
    expect(second.counts).toMatchObject({ input: 7, ingested: 6, resumed: 2, skipped: 1, 'ingest-issues': 1 });
  });

  it('stops promptly on abort with only whole records written, then resumes to completion', async () => {
    tmp = makeTempDir();
    const corpus = corpusOf(700);
    const runDir = path.join(tmp.dir, 'run');
    const controller = new AbortController();
    const run = await Run.open(runDir, { create: true });
    await run.update(
      (s) => void (s.config.corpus = { kind: 'mimic', path: corpus, metadata: null, columns: {}, credentialed: false }),
    );
    const { runStep } = await import('../../src/pipeline/runner/runner.js');
    const outcome = await runStep(run, ingestStep as never, {
      signal: controller.signal,
      env: { confirmations: new Set(), env: {} },
      onEvent: (e) => {
        if (e.type === 'step-event' && e.event.type === 'progress' && e.event.done >= 100) controller.abort();
      },
    });
    await run.close();
    expect(outcome).toBe('interrupted');
    const partial = fs.readFileSync(path.join(runDir, 'artifacts', 'reports.jsonl'), 'utf8');
    const partialLines = partial.split('\n').filter(Boolean);
    expect(partial.endsWith('\n')).toBe(true);
    expect(partialLines.length).toBeGreaterThan(0);
    expect(partialLines.length).toBeLessThan(700);
    partialLines.forEach((l) => JSON.parse(l));

    const resumed = await ingest(runDir, { kind: 'mimic', path: corpus });
    expect(resumed.outcome).toBe('done');
    expect(resumed.reports).toHaveLength(700);
    expect(new Set(resumed.reports.map((r) => r.study_id)).size).toBe(700);
    expect(resumed.counts).toMatchObject({ input: 700, ingested: 700, resumed: partialLines.length });
  });

  it('reports an unreadable entry (a folder named like a report) and goes on', async () => {
    tmp = makeTempDir();
    const corpus = corpusOf(2);
    fs.mkdirSync(path.join(corpus, 'files', 'p10', 'p10000000', 's59999999.txt'));
    const r = await ingest(path.join(tmp.dir, 'run'), { kind: 'mimic', path: corpus });
    expect(r.issues).toEqual([expect.objectContaining({ study_id: '59999999', reason: 'unreadable', skipped: true })]);
    expect(r.counts).toMatchObject({ input: 3, ingested: 2, skipped: 1 });
  });

  it('honours maxReportBytes from the step params', async () => {
    tmp = makeTempDir();
    const corpus = corpusOf(2);
    const runDir = path.join(tmp.dir, 'run');
    // Nothing usable is a warning state with one clear message (never a green done); the reasons are in the issues file.
    const r = await ingest(runDir, { kind: 'mimic', path: corpus }, { params: { maxReportBytes: 50 } });
    expect(r.outcome).toBe('done');
    const end = r.events.find((e) => e.type === 'step-end');
    expect(end?.type === 'step-end' && end.warning).toMatch(/none of the 2 records .* \(too_large 2\)/);
    const issues = fs
      .readFileSync(path.join(runDir, 'artifacts', 'ingest-issues.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(issues.map((i) => i.reason)).toEqual(['too_large', 'too_large']);
  });

  it('reads the bundled sample corpus (kind sample) without issues, and names a missing sample clearly', async () => {
    tmp = makeTempDir();
    const cfg = corpusConfigFrom({ sample: true })!;
    const r = await ingest(path.join(tmp.dir, 'run'), cfg);
    expect(r.counts.input).toBeGreaterThan(0);
    expect(r.counts).toMatchObject({ ingested: r.counts.input, skipped: 0 });
    expect(r.reports.every((x) => x.study_order !== null && x.split !== null)).toBe(true);
    await expect(
      ingest(path.join(tmp.dir, 'run2'), { kind: 'sample', path: path.join(tmp.dir, 'gone') }),
    ).rejects.toThrow(/bundled sample corpus is missing/);
  });
});
