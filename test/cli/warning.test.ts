import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/tmp.js';
import { REPORT, writeFile, writeReport } from '../ingest/fixtures.js';

let tmp: ReturnType<typeof makeTempDir>;
afterEach(() => tmp?.cleanup());

/** Reports without a view column: every study is skipped by the questions step (AP/PA only). */
function viewlessCsv(dir: string): string {
  return writeFile(
    path.join(dir, 'reports.csv'),
    'study_id,report\n' +
      '1001,"FINDINGS: There is a small left pleural effusion. IMPRESSION: Left pleural effusion."\n' +
      '1002,"FINDINGS: No pneumothorax. Mild cardiomegaly."\n',
  );
}

describe('zero is never a green done', () => {
  it('a corpus giving 0 questions: warning state, later steps not run, exit 3; --allow-empty exits 0', async () => {
    tmp = makeTempDir();
    const run = path.join(tmp.dir, 'run');
    const first = await runCli(['run', '--corpus', viewlessCsv(tmp.dir), '--run', run]);
    expect(first.stderr).toMatch(/^\[questions\] warning: 0 QA pairs/m);
    expect(first.stderr).toMatch(/none has an AP\/PA view.*Fix: .*--set questions.unknownView=include/);
    expect(first.stderr).not.toMatch(/^\[questions\] done/m);
    expect(first.stderr).toMatch(/^\[check\] skipped: not run: questions gave nothing to work on/m);
    expect(first.stderr).toMatch(/--allow-empty/);
    expect(first.status).toBe(3);

    const status = await runCli(['status', '--run', run]);
    expect(status.stdout).toMatch(/^questions\s+warning\b/m);
    expect(status.stdout).toMatch(/warning: 0 questions from 2 studies/);
    const json = JSON.parse((await runCli(['status', '--run', run, '--json'])).stdout) as {
      steps: Array<{ id: string; status: string; warning: string | null }>;
    };
    expect(json.steps.find((s) => s.id === 'questions')).toMatchObject({ status: 'warning' });

    // The warning stays with the result: a second run skips the step as current and still says so.
    const again = await runCli(['run', '--run', run]);
    expect(again.status).toBe(3);
    const allowed = await runCli(['run', '--run', run, '--allow-empty']);
    expect(allowed.stderr).toMatch(/run done with a warning/);
    expect(allowed.status).toBe(0);

    // The fix clears it: the step runs again (its params changed) and the run ends done.
    const fixed = await runCli(['run', '--run', run, '--set', 'questions.unknownView=include']);
    expect(fixed.stderr).toMatch(/^\[questions\] done: \d+ QA pairs/m);
    expect(fixed.status).toBe(0);
    expect((await runCli(['status', '--run', run])).stdout).toMatch(/^questions\s+done\b/m);
  });

  it('a corpus whose every record is unreadable: ingest ends in a warning, not a failure, and nothing runs after it', async () => {
    tmp = makeTempDir();
    const corpus = path.join(tmp.dir, 'corpus');
    writeReport(corpus, '10000001', '50000001', Buffer.from([0, 0, 0]));
    writeReport(corpus, '10000001', '50000002', Buffer.from([0, 1, 0]));
    const run = path.join(tmp.dir, 'run');
    const r = await runCli(['run', '--corpus', corpus, '--run', run]);
    expect(r.stderr).toMatch(/^\[ingest\] warning: ingested 0 of 2 records/m);
    expect(r.stderr).toMatch(
      /none of the 2 records .* could be ingested \(binary 2\)\. Fix: see artifacts\/ingest-issues/,
    );
    expect(r.stderr).toMatch(/^\[reference\] skipped: not run: ingest gave nothing/m);
    expect(r.status).toBe(3);
    // The issues that explain it are kept.
    expect(
      fs
        .readFileSync(path.join(run, 'artifacts', 'ingest-issues.jsonl'), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(2);
  });

  it('a step that made something is a plain done (one good record among bad ones)', async () => {
    tmp = makeTempDir();
    const corpus = path.join(tmp.dir, 'corpus');
    writeReport(corpus, '10000001', '50000001', REPORT(1));
    writeReport(corpus, '10000001', '50000002', Buffer.from([0, 0, 0]));
    const r = await runCli(['run', '--steps', 'ingest', '--corpus', corpus, '--run', path.join(tmp.dir, 'run')]);
    expect(r.stderr).toMatch(/^\[ingest\] done: ingested 1 of 2/m);
    expect(r.status).toBe(0);
  });

  it('`cxrvqa help run` documents the exit codes', async () => {
    const r = await runCli(['help', 'run']);
    expect(r.stdout).toMatch(/Exit codes:/);
    expect(r.stdout).toMatch(/^\s+3\s+finished, but a step turned >0 inputs into 0 outputs/m);
  });
});
