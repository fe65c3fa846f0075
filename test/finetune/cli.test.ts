import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { reviewFile } from '../../src/pipeline/finetune/gold/review.js';
import { ExtractionResultSchema } from '../../src/pipeline/schemas/extraction.js';
import { Run } from '../../src/pipeline/store/run.js';
import { ReportRecordSchema } from '../../src/pipeline/schemas/report.js';
import { syntheticReports } from '../helpers/reports.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/tmp.js';

let tmp: ReturnType<typeof makeTempDir> | null = null;
afterEach(() => tmp?.cleanup());

async function cli(...args: string[]): Promise<{ out: string; err: string; code: number }> {
  const r = await runCli(args);
  return { out: r.stdout, err: r.stderr, code: r.status };
}

async function setup(): Promise<string> {
  tmp = makeTempDir();
  const run = await Run.open(tmp.dir, { create: true });
  const gold = run.artifact('gold', ExtractionResultSchema);
  gold.appendMany([
    {
      study_id: '101',
      status: 'ok',
      backend: 'llm',
      keyinfo: {
        opacity_vs_clear: {},
        entity: { edema: { location: null, level: 'mild', type: null } },
        uncertain_entity: [],
        no_entity: [],
      },
    },
    { study_id: '102', status: 'filtered', backend: 'llm', keyinfo: null, reason: 'content filter' },
  ]);
  gold.close();
  await run.close();
  return tmp.dir;
}

describe('cxrvqa gold', () => {
  it('list shows each record, its review and whether it is exported', async () => {
    const dir = await setup();
    const { out } = await cli('gold', 'list', '--run', dir);
    expect(out).toMatch(/101\s+ok\s+pending\s+export/);
    expect(out).toMatch(/102\s+filtered\s+pending\s+skip: filtered: content filter/);
    expect(out).toContain('2 records: 0 accepted, 0 corrected, 0 rejected, 2 pending; 1 will be exported');
  });

  it('accept, reject and edit write the review file; list reflects them', async () => {
    const dir = await setup();
    await cli('gold', 'reject', '101', '--run', dir, '--note', 'laterality wrong');
    const fixed = path.join(dir, 'k.json');
    fs.writeFileSync(
      fixed,
      JSON.stringify({ opacity_vs_clear: {}, entity: {}, uncertain_entity: [], no_entity: ['pneumothorax'] }),
    );
    const edit = await cli('gold', 'edit', '102', '--file', fixed, '--run', dir);
    expect(edit.out).toContain('102 corrected');
    const { out } = await cli('gold', 'list', '--run', dir);
    expect(out).toMatch(/101\s+ok\s+rejected\s+skip: rejected in review\s+— laterality wrong/);
    expect(out).toMatch(/102\s+filtered\s+corrected\s+export \(corrected\)/);
    expect(fs.readFileSync(reviewFile(dir), 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('edit with an invalid KeyInfo file prints one clear error, exits non-zero and saves nothing', async () => {
    const dir = await setup();
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(
      bad,
      JSON.stringify({ entity: { edema: { location: ['left', 'right'] } }, uncertain_entity: [], no_entity: [] }),
    );
    const res = await cli('gold', 'edit', '101', '--file', bad, '--run', dir);
    expect(res.code).toBe(2);
    expect(res.err).toMatch(
      /^error: The corrected KeyInfo for 101 is refused: not valid KeyInfo at entity\.edema\.location/,
    );
    expect(res.err).toContain('nothing was saved');
    expect(fs.existsSync(reviewFile(dir))).toBe(false);
    const missing = await cli('gold', 'edit', '101', '--file', path.join(dir, 'nope.json'), '--run', dir);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('Cannot read KeyInfo from');
  });
});

describe('cxrvqa gold show', () => {
  it('prints the report text the model saw, the gold record, the review and whether it is exported', async () => {
    const dir = await setup();
    const run = await Run.open(dir, {});
    const reports = run.artifact('reports', ReportRecordSchema);
    reports.appendMany(syntheticReports(1).map((r) => ({ ...r, study_id: '101' })));
    reports.close();
    await run.close();
    const { out } = await cli('gold', 'show', '101', '--run', dir);
    const shown = JSON.parse(out);
    expect(shown.report).toContain('FINDINGS: Study 0.');
    expect(shown.gold.study_id).toBe('101');
    expect(shown.review).toBeNull();
    expect(shown.exported).toBe(true);
    const missing = await cli('gold', 'show', '999', '--run', dir);
    expect(missing.code).toBe(2);
  });
});

describe('cxrvqa finetune files', () => {
  it('prints the files and the commands to run by hand', async () => {
    const dir = await setup();
    const { out } = await cli('finetune', 'files', '--run', dir);
    expect(out).toContain(`train:  llamafactory-cli train ${path.join(dir, 'finetune', 'train.yaml')}    not done`);
    expect(out).toContain(`merge:  llamafactory-cli export ${path.join(dir, 'finetune', 'merge.yaml')}`);
    expect(out).toContain('server: not started');
  });
});
