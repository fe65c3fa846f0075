import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  acceptExtraction,
  INSPECTED,
  readReviewSession,
  ReviewStore,
  Run,
  saveReviewSession,
  StudyIndex,
  UserError,
  type ExtractionResult,
} from '../../src/pipeline/index.js';
import type { LooseRow } from '../../src/pipeline/inspect/studyIndex.js';
import { makeTempDir } from '../helpers/tmp.js';
import { writeInspectorFixtures } from '../ui/helpers/fixtures.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function fixtureRun(): Promise<Run> {
  const tmp = makeTempDir('cxrvqa-inspect-');
  const run = await Run.open(path.join(tmp.dir, 'run'), { create: true });
  cleanups.push(tmp.cleanup, () => run.close());
  await writeInspectorFixtures(run);
  return run;
}

describe('study index over the inspected artifacts', () => {
  it('reads every inspected stage of a small run', async () => {
    const run = await fixtureRun();
    const index = await StudyIndex.build(run);
    expect([...index.present].sort()).toEqual([...INSPECTED].sort());
    expect(index.order).toEqual(['s100', 's200', 's300']);
    expect(index.cycles).toEqual([0, 1]);

    const d = index.load('s100');
    expect(d.report?.study_id).toBe('s100');
    expect(d.reference?.study_id).toBe('s100');
    // reference, raw, then follow-up before standardize within a cycle
    expect(d.stages.map((s) => s.label)).toEqual(['rules', 'llm raw', 'std c0', 'fu c1', 'std c1']);
    expect(d.stages.find((s) => s.label === 'llm raw')?.note).toBe('ok');
    expect(d.questions).toHaveLength(2);
    expect(d.changes.map((c) => c.cycle)).toEqual([0, 1]);
    expect(d.followupLog.map((l) => l.entity)).toEqual(['atelectasis']);

    // summaries come from the typed readers: raw status, cycle changes, reference disagreement
    expect(index.summaries.get('s300')?.parseFailed).toBe(true);
    expect(index.summaries.get('s100')?.changedCycles).toEqual([0, 1]);
    expect(index.summaries.get('s200')?.changedCycles).toEqual([]);
    expect(index.summaries.get('s100')?.disagrees).toBe(true);
    expect(index.load('s300').stages.find((s) => s.label === 'llm raw')?.note).toBe('parse_error: unterminated JSON');
  });
});

describe('stage rows', () => {
  it("are read by the producing schema's field names, so a rename fails to compile (npm run typecheck)", () => {
    const row: LooseRow<'raw'> = { status: 'ok', keyinfo: null };
    // @ts-expect-error `statuz` is not a field of ExtractionResult
    expect(row.statuz).toBeUndefined();
    expect(row.status).toBe('ok');
  });
});

describe('accepting a re-run extraction', () => {
  const row: ExtractionResult = {
    study_id: 's200',
    status: 'ok',
    keyinfo: { entity: { cardiomegaly: {} } },
    backend: 'llm',
    model: 'm',
  };

  it('appends to raw and bumps its version through the store, so later steps go stale', async () => {
    const run = await fixtureRun();
    const before = run.state.artifacts.raw!;
    await acceptExtraction(run, row);
    expect(run.state.artifacts.raw!.version).toBe(before.version + 1);
    expect(run.state.artifacts.raw!.count).toBe(before.count);
    // persisted, not only in memory
    const onDisk = JSON.parse(fs.readFileSync(run.stateFile, 'utf8')) as {
      artifacts: Record<string, { version: number }>;
    };
    expect(onDisk.artifacts.raw!.version).toBe(before.version + 1);
    expect((await run.artifact<ExtractionResult>('raw').readMap()).get('s200')?.model).toBe('m');
  });

  it('refuses a failed call, which would replace the current extraction with nothing', async () => {
    const run = await fixtureRun();
    const version = run.state.artifacts.raw!.version;
    await expect(acceptExtraction(run, { ...row, status: 'failed', keyinfo: null })).rejects.toThrow(/nothing to keep/);
    expect(run.state.artifacts.raw!.version).toBe(version);
  });

  it('records a write of an artifact the run has not seen yet from version 0', async () => {
    const run = await fixtureRun();
    await run.recordArtifactWrite('extra', { count: 4 });
    expect(run.state.artifacts.extra).toMatchObject({ version: 1, count: 4 });
  });
});

describe('review store', () => {
  it('keeps judgments across loads', async () => {
    const run = await fixtureRun();
    const store = await ReviewStore.load(run);
    store.judge('s100', 'pos:opacity', 'correct');
    store.note('s100', 'fine');
    const again = await ReviewStore.load(run);
    expect(again.get('s100')).toMatchObject({ judgments: { 'pos:opacity': 'correct' }, note: 'fine' });
  });

  it('rejects a malformed reviews file with a message that names the file and the problem', async () => {
    const run = await fixtureRun();
    const file = run.artifactPath('reviews');
    fs.writeFileSync(
      file,
      JSON.stringify({ study_id: 's100', judgments: { 'pos:opacity': 'maybe' }, note: '', at: '' }) + '\n',
    );
    const err = await ReviewStore.load(run).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toContain(file);
    expect((err as Error).message).toMatch(/not a review record \(line 1: /);
  });

  it('tolerates a torn last line (a crash mid-write loses only that judgment)', async () => {
    const run = await fixtureRun();
    const ok = JSON.stringify({ study_id: 's100', judgments: { 'pos:opacity': 'correct' }, note: '', at: '' });
    fs.writeFileSync(run.artifactPath('reviews'), `${ok}\n{"study_id":"s2`);
    expect((await ReviewStore.load(run)).get('s100')?.judgments).toEqual({ 'pos:opacity': 'correct' });
  });

  it('saves the review session in run state and reads back only a well-formed one', async () => {
    const run = await fixtureRun();
    expect(readReviewSession(run)).toBeNull();
    await run.update(saveReviewSession({ seed: 1, n: 2, ids: ['s100', 's200'], cursor: 1, startedAt: 't' }));
    expect(readReviewSession(run)).toEqual({ seed: 1, n: 2, ids: ['s100', 's200'], cursor: 1, startedAt: 't' });
    // a session saved before `n` was kept: n is the number drawn
    await run.update((s) => void (s.reviews = { session: { seed: 1, ids: ['s100'], cursor: 0 } }));
    expect(readReviewSession(run)).toEqual({ seed: 1, n: 1, ids: ['s100'], cursor: 0, startedAt: '' });
    await run.update((s) => void (s.reviews = { session: { seed: 1, ids: 'nope', cursor: 0 } }));
    expect(readReviewSession(run)).toBeNull();
  });
});
