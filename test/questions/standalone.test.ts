import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/tmp.js';

let tmp: ReturnType<typeof makeTempDir>;
const f = (name: string) => path.join(tmp.dir, name);

const records = Array.from({ length: 24 }, (_, i) => ({
  study_id: String(50000000 + i),
  subject_id: 10000000 + Math.floor(i / 3),
  opacity_vs_clear: i % 4 === 0 ? { opacity: { location: 'right base', level: null, type: 'patchy' } } : {},
  entity:
    i % 3 === 0 ? {} : { 'pleural effusion': { location: i % 2 ? 'left' : 'bilateral', level: 'small', type: null } },
  uncertain_entity: {},
  no_entity: ['pneumothorax'],
}));
const metadata = [
  'subject_id,study_id,dicom_id,view,study_date,study_order,split',
  ...records.map(
    (r, i) => `${r.subject_id},${r.study_id},d${i},postero-anterior,2150010${(i % 3) + 1},${(i % 3) + 1},train`,
  ),
].join('\n');

beforeAll(() => {
  tmp = makeTempDir();
  fs.writeFileSync(f('keyinfo.json'), JSON.stringify(records, null, 1));
  fs.writeFileSync(f('keyinfo.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  fs.writeFileSync(f('mimic_all.csv'), metadata + '\n');
});
afterAll(() => tmp.cleanup());

/** `cxrvqa questions` on files of the temp folder, with a metadata file of choice. */
const runWith = (metadata: string, keyinfo: string, out: string, ...extra: string[]) =>
  runCli(['questions', '--keyinfo', f(keyinfo), '--metadata', f(metadata), '--out', f(out), ...extra]);
const run = (keyinfo: string, out: string, ...extra: string[]) =>
  runWith('mimic_all.csv', keyinfo, out, '--threshold', '2', ...extra);

describe('cxrvqa questions (standalone)', () => {
  it('writes the release CSV layout from a JSON list or JSONL KeyInfo file, the same for both', async () => {
    const a = await run('keyinfo.json', 'out-json', '--style', 'release', '--seed', '3');
    expect(a.status, a.stderr).toBe(0);
    expect(a.stderr).toMatch(/questions \(abnormality \d+.*\) from 24 of 24 studies \(release style, seed 3\)/);
    const csv = fs.readFileSync(f('out-json/questions.csv'), 'utf8');
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('study_id,subject_id,question_type,question,answer');
    expect(lines.length).toBeGreaterThan(40);
    // release wording: places as written ("in the left?"), or a bare side as the lung area
    expect(csv).toMatch(/in the (left lung|right base) area\?,yes|seen in the (left|bilateral|right base)\?/);
    const summary = JSON.parse(fs.readFileSync(f('out-json/summary.json'), 'utf8'));
    expect(summary).toMatchObject({ style: 'release', seed: 3, low_freq_threshold: 2, total: lines.length - 1 });

    const b = await run('keyinfo.jsonl', 'out-jsonl', '--style', 'release', '--seed', '3');
    expect(b.status, b.stderr).toBe(0);
    expect(fs.readFileSync(f('out-jsonl/questions.csv'), 'utf8')).toBe(csv);
  });

  it('--paired writes the Medical-Diff-VQA layout: every question carries its reference study', async () => {
    const r = await run('keyinfo.json', 'out-paired', '--paired');
    expect(r.status, r.stderr).toBe(0);
    const lines = fs.readFileSync(f('out-paired/questions.csv'), 'utf8').trim().split('\n');
    expect(lines[0]).toBe('study_id,subject_id,ref_id,question_type,question,answer');
    for (const l of lines.slice(1)) expect(l.split(',')[2]).toMatch(/^5\d{7}$/);
  });

  it('names the file, line and field of a bad JSONL record, and writes nothing', async () => {
    const bad = records.slice(0, 3).map((r) => JSON.stringify(r));
    bad[1] = JSON.stringify({ ...records[1], no_entity: undefined });
    fs.writeFileSync(f('bad.jsonl'), bad.join('\n') + '\n');
    const r = await run('bad.jsonl', 'out-bad');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${f('bad.jsonl')} line 2: field no_entity`);
    expect(r.stderr).toContain('hint:');
    expect(fs.existsSync(f('out-bad'))).toBe(false);
  });

  it('names the record and the field of a bad value in a JSON list', async () => {
    const list = records.slice(0, 3).map((r) => ({ ...r }));
    list[2] = { ...list[2]!, entity: { edema: { location: 3, level: null, type: null } } } as never;
    fs.writeFileSync(f('bad.json'), JSON.stringify(list));
    const r = await run('bad.json', 'out-bad2');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${f('bad.json')} record 3: field entity.edema.location`);
  });

  it('says which columns a metadata table lacks, and refuses an unknown style', async () => {
    fs.writeFileSync(f('noview.csv'), 'subject_id,study_id\n1,2\n');
    const r = await runWith('noview.csv', 'keyinfo.json', 'o3');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${f('noview.csv')} has no view column`);
    const s = await run('keyinfo.json', 'o4', '--style', 'original');
    expect(s.status).toBe(2);
    expect(s.stderr).toContain('Unknown style "original"');
  });

  it("reads a run's reference.jsonl (the rule-based layout) with its reports.jsonl as the metadata", async () => {
    const rule = records.map((r, i) => ({
      study_id: r.study_id,
      subject_id: String(r.subject_id),
      entity: Object.fromEntries(
        Object.entries(r.entity).map(([name, a]) => [
          name,
          {
            entity_name: name,
            location: [],
            type: [],
            level: a.level ? [a.level] : [],
            post_location: i % 2 ? 'the left lung base' : 'the lower lobes',
            location2: null,
            type2: null,
            level2: null,
            post_location2: null,
            evidence: [],
          },
        ]),
      ),
      no_entity: r.no_entity,
      uncertain_entity: [],
    }));
    fs.writeFileSync(f('reference.jsonl'), rule.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const reports = metadata
      .split('\n')
      .slice(1)
      .map((line) => {
        const [subject_id, study_id, dicom_id, view, study_date, study_order, split] = line.split(',');
        return JSON.stringify({
          subject_id,
          study_id,
          dicom_id,
          view,
          study_date,
          study_order: Number(study_order),
          split,
          text: '',
        });
      });
    fs.writeFileSync(f('reports.jsonl'), reports.join('\n') + '\n');

    const viaCsv = await run('reference.jsonl', 'out-ref-csv', '--style', 'release', '--paired', '--seed', '4');
    expect(viaCsv.status, viaCsv.stderr).toBe(0);
    expect(viaCsv.stderr).toContain(
      '24 records in the rule-based (Diff-VQA) layout: their post-locations are asked as written',
    );
    const csv = fs.readFileSync(f('out-ref-csv/questions.csv'), 'utf8');
    expect(csv).toMatch(/in the (left lung base|lower lobes)\?,/);
    const summary = JSON.parse(fs.readFileSync(f('out-ref-csv/summary.json'), 'utf8'));
    expect(summary.rule_based_records).toBe(24);

    const viaRun = await runWith(
      'reports.jsonl',
      'reference.jsonl',
      'out-ref-run',
      '--threshold',
      '2',
      '--style',
      'release',
      '--paired',
      '--seed',
      '4',
    );
    expect(viaRun.status, viaRun.stderr).toBe(0);
    expect(fs.readFileSync(f('out-ref-run/questions.csv'), 'utf8')).toBe(csv);

    const folded = await run('reference.jsonl', 'out-ref-folded', '--style', 'release');
    expect(folded.stderr).toContain(
      'note: 24 records in the rule-based (Diff-VQA) layout: their post-locations are folded',
    );
  });

  it('names the line and field of a bad reports.jsonl line, and writes nothing', async () => {
    fs.writeFileSync(f('bad-reports.jsonl'), '{"study_id":"50000000","subject_id":"1"}\n{"study_id":7}\n');
    const r = await runWith('bad-reports.jsonl', 'keyinfo.json', 'out-bad-meta');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${f('bad-reports.jsonl')} line 2: field study_id`);
    expect(fs.existsSync(f('out-bad-meta'))).toBe(false);
  });
});
