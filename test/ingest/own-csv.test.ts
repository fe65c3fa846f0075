import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { guessColumns, planColumns } from '../../src/pipeline/ingest/columns.js';
import { UserError } from '../../src/pipeline/util/errors.js';
import { runCli } from '../helpers/run-cli.js';
import { OWN_HEADER, writeOwnCsv } from '../helpers/own-csv.js';
import { makeTempDir } from '../helpers/tmp.js';
import { ingest } from './fixtures.js';

let tmp: ReturnType<typeof makeTempDir>;
afterEach(() => tmp?.cleanup());

/** The 400-report Open-i slice kept beside the project (third-party data: read in place, never copied). */
const IU_CSV = [process.env.CXRVQA_SHARED_DIR, path.resolve('../shared'), path.resolve('../../shared'), '/work/shared']
  .filter((d): d is string => !!d)
  .map((d) => path.join(d, 'datasets/iu-xray/reports-dev.csv'))
  .find((f) => fs.existsSync(f));

interface Stats {
  total: number;
  by_type: Array<{ type: string; count: number }>;
}
const readStats = (runDir: string) =>
  JSON.parse(fs.readFileSync(path.join(runDir, 'dataset', 'stats.json'), 'utf8')) as Stats;

describe('column guesses for a person’s own file', () => {
  it('maps non-standard names to every field', () => {
    expect(guessColumns(OWN_HEADER)).toEqual({
      study_id: ['Report ID'],
      text: ['Findings text'],
      subject_id: ['Patient'],
      study_date: ['Exam date'],
      view: ['Projection'],
    });
  });

  it('guesses Open-i’s image column as the view column', () => {
    const header = ['uid', 'MeSH', 'Problems', 'image', 'indication', 'comparison', 'findings', 'impression'];
    expect(guessColumns(header)).toMatchObject({ study_id: ['uid'], view: ['image'] });
  });

  it('reports every missing column in one message, with the columns the file has', () => {
    let err: unknown;
    try {
      planColumns(['a', 'b'], { subject_id: 'Patient', view: 'View,Projection', txt: 'b' }, 'mine.csv');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    const { message, hint } = err as UserError;
    for (const part of [
      'unknown field "txt"',
      'subject_id: no column "Patient"',
      'view: no column "View", "Projection"',
      'study_id: no column guessed',
      'text: no column guessed',
    ])
      expect(message).toContain(part);
    expect(hint).toContain('Columns in mine.csv: "a", "b"');
  });
});

describe('own CSV through ingest and questions', () => {
  it('reads the non-standard columns and free-text views without any mapping', async () => {
    tmp = makeTempDir();
    const file = writeOwnCsv(tmp.dir, 10);
    const r = await ingest(path.join(tmp.dir, 'run'), { kind: 'csv', path: file });
    expect(r.reports.slice(0, 5).map((x) => [x.study_id, x.subject_id, x.study_date, x.view])).toEqual([
      ['R1000', 'P0', '2024-01-01', 'PA'],
      ['R1001', 'P1', '2024-01-02', 'AP'],
      ['R1002', 'P2', '2024-01-03', 'FRONTAL'],
      ['R1003', 'P3', '2024-01-04', 'PA'],
      ['R1004', 'P4', '2024-01-05', null],
    ]);
    expect(r.reports[4]!.extra).toMatchObject({ view_text: 'see report', Site: 'north' });
    const logs = r.events.flatMap((e) => (e.type === 'step-event' && e.event.type === 'log' ? [e.event.message] : []));
    expect(logs).toContainEqual(expect.stringContaining('views PA 4, AP 2, FRONTAL 2, unreadable 2'));
    expect(logs).toContainEqual(
      expect.stringContaining('2 view values name no PA, AP, frontal or lateral view ("see report" ×2)'),
    );
  });

  it('gives QA pairs from the own CSV with no flags but --corpus', async () => {
    tmp = makeTempDir();
    const file = writeOwnCsv(tmp.dir, 40);
    const runDir = path.join(tmp.dir, 'run');
    const r = await runCli(['run', '--corpus', file, '--run', runDir]);
    expect(r.stderr).toContain('run done');
    expect(readStats(runDir).total).toBeGreaterThan(0);
    const pairs = fs
      .readFileSync(path.join(runDir, 'dataset', 'qa.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { study_id: string; question_type: string; answer: string });
    const typesOf = (id: string) => new Set(pairs.filter((p) => p.study_id === id).map((p) => p.question_type));
    // R1002 is "CHEST 2V FRONTAL/LATERAL": a frontal film of unknown projection gets questions, but no view question.
    expect(typesOf('R1002').size).toBeGreaterThan(0);
    expect(typesOf('R1002').has('view')).toBe(false);
    expect(typesOf('R1000').has('view')).toBe(true);
    // R1004's view ("see report") cannot be read: with the default unknownView=skip it gets no questions.
    expect(typesOf('R1004').size).toBe(0);
  });

  it.skipIf(!IU_CSV)('gives QA pairs from the real Open-i CSV with no flags but --corpus', async () => {
    tmp = makeTempDir();
    const runDir = path.join(tmp.dir, 'iu');
    const r = await runCli(['run', '--corpus', IU_CSV!, '--run', runDir]);
    expect(r.stderr).toContain('run done');
    const stats = readStats(runDir);
    expect(stats.total).toBeGreaterThan(0);
    const byType = Object.fromEntries(stats.by_type.map((t) => [t.type, t.count]));
    // PA studies get view questions; frontal films of unknown projection get the others.
    expect(byType.view).toBeGreaterThan(0);
    expect(byType.abnormality).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/views PA \d+, AP \d+, FRONTAL \d+/);
  });
});

describe('--column on an existing run', () => {
  const stateOf = (runDir: string) =>
    JSON.parse(fs.readFileSync(path.join(runDir, 'state.json'), 'utf8')) as {
      config: { corpus: { path: string; columns: Record<string, string> } };
    };

  it('changes the mapping without --corpus and marks ingest and what follows stale', async () => {
    tmp = makeTempDir();
    const file = writeOwnCsv(tmp.dir, 10);
    const runDir = path.join(tmp.dir, 'run');
    expect((await runCli(['run', '--corpus', file, '--run', runDir, '--steps', 'ingest,reference'])).status).toBe(0);

    const bad = await runCli([
      'run',
      '--run',
      runDir,
      '--steps',
      'ingest',
      '--column',
      'subject_id=Site',
      '--column',
      'view=Nope',
    ]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('view: no column "Nope"');
    // The refused mapping is not stored: the run is as it was.
    expect(stateOf(runDir).config.corpus.columns).toEqual({});

    const r = await runCli(['run', '--run', runDir, '--steps', 'ingest', '--column', 'subject_id=Site']);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('subject_id=Site');
    expect(stateOf(runDir).config.corpus).toMatchObject({ path: file, columns: { subject_id: 'Site' } });
    const status = (await runCli(['status', '--run', runDir])).stdout;
    expect(status).toMatch(/^reference\s+stale/m);

    // `field=` drops the setting, so the guess (Patient) applies again.
    await runCli(['run', '--run', runDir, '--steps', 'ingest', '--column', 'subject_id=']);
    expect(stateOf(runDir).config.corpus.columns).toEqual({});
  });

  it('refuses --column on a run with no corpus, saying what to pass', async () => {
    tmp = makeTempDir();
    const r = await runCli(['run', '--run', path.join(tmp.dir, 'run'), '--column', 'view=Projection']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('--column needs a corpus');
    expect(r.stderr).toContain('--corpus FILE --column field=COLUMN');
  });
});
