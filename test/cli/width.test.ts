import path from 'node:path';
import stringWidth from 'string-width';
import { afterEach, describe, expect, it } from 'vitest';
import type { DatasetStats } from '../../src/pipeline/index.js';
import { Run } from '../../src/pipeline/store/run.js';
import { formatStatsFitted } from '../../src/cli/statsTable.js';
import { writeFile } from '../ingest/fixtures.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/tmp.js';

let tmp: ReturnType<typeof makeTempDir>;
afterEach(() => tmp?.cleanup());

function widest(text: string): number {
  return Math.max(...text.split('\n').map((l) => stringWidth(l)));
}

const REPORTS = [
  '1001,"FINDINGS: There is a small left pleural effusion. IMPRESSION: Left pleural effusion."',
  '1002,"FINDINGS: Mild cardiomegaly. No pneumothorax. Right lower lobe atelectasis."',
  '1003,"FINDINGS: Moderate right pleural effusion and bibasilar opacities."',
];

describe('status and stats fit 80 columns', () => {
  it('every line of `status` and `stats` is at most 80 cells with COLUMNS=80, long paths and errors included', async () => {
    tmp = makeTempDir();
    const env = { ...process.env, COLUMNS: '80', XDG_CONFIG_HOME: path.join(tmp.dir, 'config') };
    const deep = path.join(tmp.dir, 'a-rather-long-folder-name-for-runs', 'another-level-of-nesting', 'the-run');
    const csv = writeFile(path.join(tmp.dir, 'c.csv'), `study_id,report\n${REPORTS.join('\n')}\n`);
    const r = await runCli(['run', '--corpus', csv, '--run', deep, '--set', 'questions.unknownView=include'], { env });
    expect(r.status).toBe(0);
    // What a long-lived run carries: a long error, set params and cycles with MIMIC-sized counts.
    const run = await Run.open(deep);
    await run.update((s) => {
      s.steps.check!.error = `Dataset check failed: ${'a very long reason '.repeat(12)}/some/very/long/path/that/does/not/break/at/spaces/at/all/anywhere.jsonl`;
      s.cycles = [1, 2].map((cycle) => ({
        cycle,
        startedAt: '2026-12-01T00:00:00Z',
        finishedAt: cycle === 1 ? '2026-12-01T01:00:00Z' : null,
        counts: {
          asked: 227835,
          answered: 227001,
          changed: 123456,
          added_entity: 54321,
          added_no_entity: 12345,
          parse_failures: 1234,
          failed: 834,
          dropped: 10,
        },
        completed: [],
      }));
    });
    await run.close();

    const status = await runCli(['status', '--run', deep], { env });
    expect(status.stdout).toMatch(/^questions\s+done/m);
    expect(status.stdout).toMatch(/follow-up cycles:/);
    expect(widest(status.stdout)).toBeLessThanOrEqual(80);
    // Wrapped, not cut: the whole error is still there.
    expect(status.stdout.replace(/\s+/g, '')).toContain('/that/does/not/break/at/spaces/at/all/anywhere.jsonl');

    const stats = await runCli(['stats', '--run', deep], { env });
    expect(stats.stdout).toMatch(/^type\s+count/m);
    expect(widest(stats.stdout)).toBeLessThanOrEqual(80);
  });

  it('the stats table at MIMIC scale fits by leaving out the columns the others imply, and says so', () => {
    const big: DatasetStats = {
      total: 843914,
      subjects: 65379,
      studies: 227835,
      answer_vocab: 12345,
      by_type: ['abnormality', 'presence', 'view', 'location', 'level', 'type'].map((type) => ({
        type,
        count: 140652,
        share: 1 / 6,
        open: 70000,
        closed: 70652,
        yes: 35326,
        yes_share: 0.5,
        no_share: 0.5,
        subjects: 65379,
        answer_vocab: 2345,
        top_answers: [],
        release_count: 130002,
        release_share: 0.1667,
      })),
      by_split: { train: 800000, validate: 20000, test: 23914 },
      top_answers: [
        ['yes', 300000],
        ['no', 250000],
        ['left lower lobe', 12345],
      ],
      top_entities: [],
      answer_length: [],
      release: { total: 780014, by_type: {} },
    } as unknown as DatasetStats;
    const text = formatStatsFitted(big, 80);
    expect(widest(text)).toBeLessThanOrEqual(80);
    expect(text).toMatch(/columns left out to fit 80 columns: no/);
    expect(text).toMatch(/^abnormality\s+140,652\s+16\.7%/m);
    // A wide terminal gets every column.
    expect(formatStatsFitted(big, 160)).not.toMatch(/left out/);
  });
});
