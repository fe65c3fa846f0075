import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { minRank } from '../../src/pipeline/ingest/jpgMetadata.js';
import { StrictKeyInfoSchema } from '../../src/pipeline/schemas/keyinfo.js';
import { synthReportRecords, synthStudies, type SynthStudy } from '../../scripts/lib/synth.js';
import { writeCorpus } from '../../scripts/lib/writeCorpus.js';
import { FileWriterPool } from '../../scripts/lib/fileWriters.js';
import { makeTempDir } from '../helpers/tmp.js';
import { ingest } from './fixtures.js';

let tmp: ReturnType<typeof makeTempDir>;
afterEach(() => tmp?.cleanup());

const take = (n: number, seed: number | string) => [...synthStudies({ studies: n, seed })];

describe('synthetic corpus generator', () => {
  it('is deterministic by seed and gives exactly the requested number of studies', () => {
    expect(take(40, 7)).toEqual(take(40, 7));
    expect(take(40, 7).map((s) => s.text)).not.toEqual(take(40, 8).map((s) => s.text));
    expect(take(1234, 'x')).toHaveLength(1234);
  });

  it('has MIMIC-like metadata: unique ids, ~3.5 studies per subject, study_order = date rank per subject', () => {
    const studies = take(5000, 1);
    expect(new Set(studies.map((s) => s.study_id)).size).toBe(5000);
    const bySubject = new Map<string, SynthStudy[]>();
    for (const s of studies) bySubject.set(s.subject_id, [...(bySubject.get(s.subject_id) ?? []), s]);
    const perSubject = 5000 / bySubject.size;
    expect(perSubject).toBeGreaterThan(2.8);
    expect(perSubject).toBeLessThan(4.2);
    let ties = 0;
    for (const group of bySubject.values()) {
      const dates = group.map((s) => s.study_date);
      for (const s of group) expect(s.study_order).toBe(minRank(s.study_date, dates));
      expect(new Set(group.map((s) => s.split)).size).toBe(1);
      ties += dates.length - new Set(dates).size;
    }
    expect(ties).toBeGreaterThan(0);
    expect(new Set(studies.map((s) => s.view))).toEqual(new Set(['postero-anterior', 'antero-posterior', 'lateral']));
    expect(
      studies.every((s) => /^\d{8}$/.test(s.study_id) && s.study_id.startsWith('5') && /^1\d{7}$/.test(s.subject_id)),
    ).toBe(true);
  });

  it('writes ground truth that matches the selected text, with every report variant present', () => {
    const variants = { findings: 0, noFindings: 0, wetRead: 0, negation: 0, hedge: 0, device: 0, noChange: 0 };
    for (const { record, truth } of synthReportRecords({ studies: 3000, seed: 3 })) {
      expect(StrictKeyInfoSchema.parse(truth)).toEqual(truth);
      const sel = record.selected.replace(/\s+/g, ' ').toLowerCase();
      for (const name of [...Object.keys(truth.entity), ...Object.keys(truth.uncertain_entity), ...truth.no_entity])
        expect(sel).toContain(name);
      for (const [name, a] of Object.entries(truth.entity)) {
        for (const v of [a.location, a.level, a.type]) if (v) expect(sel, `${name}: ${v}`).toContain(v);
      }
      const keys = [...Object.keys(truth.entity), ...Object.keys(truth.uncertain_entity), ...truth.no_entity];
      expect(new Set(keys).size).toBe(keys.length);
      if (record.text.includes('FINDINGS:')) variants.findings++;
      else variants.noFindings++;
      if (record.text.includes('WET READ')) variants.wetRead++;
      if (truth.no_entity.length) variants.negation++;
      if (Object.keys(truth.uncertain_entity).length) variants.hedge++;
      if (/tube|catheter|pacemaker|PICC|sternotomy/.test(record.text)) variants.device++;
      if (record.text.includes('No change in')) variants.noChange++;
    }
    for (const [k, v] of Object.entries(variants)) expect(v, k).toBeGreaterThan(20);
  });

  it('writes a MIMIC tree that the ingest step reads completely, with truth for every study', async () => {
    tmp = makeTempDir();
    const out = path.join(tmp.dir, 'corpus');
    expect(await writeCorpus({ out, studies: 300, seed: 5 })).toMatchObject({ studies: 300 });
    const truthIds = fs
      .readFileSync(path.join(out, 'truth.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l).study_id);
    const r = await ingest(path.join(tmp.dir, 'run'), { kind: 'mimic', path: out });
    expect(r.counts).toMatchObject({ input: 300, ingested: 300, skipped: 0, warnings: 0 });
    expect(new Set(r.reports.map((x) => x.study_id))).toEqual(new Set(truthIds));
    expect(r.reports.every((x) => x.study_order !== null && x.study_date && x.view && x.split)).toBe(true);
  });

  it('the writer pool makes folders first and reports a failed write instead of losing it', async () => {
    tmp = makeTempDir();
    const pool = new FileWriterPool(2, 1);
    const jobs = Array.from(
      { length: 6 },
      (_, i) =>
        [path.join(tmp.dir, `d${i}`), path.join(tmp.dir, `d${i}`, 'f.txt'), `text ${i}`] as [string, string, string],
    );
    for (const job of jobs) await pool.write([job]);
    await pool.close();
    expect(jobs.map(([, f]) => fs.readFileSync(f, 'utf8'))).toEqual(jobs.map(([, , t]) => t));
    const failing = new FileWriterPool(1);
    await failing.write([['', path.join(tmp.dir, 'missing', 'f.txt'), 'x']]);
    await expect(failing.close()).rejects.toThrow(/writing files failed: .*ENOENT/);
  });
});
