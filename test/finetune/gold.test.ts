import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { goldPrompt } from '../../src/pipeline/finetune/gold/step.js';
import { listGold, readReviews, reviewCounts, reviewFile, setReview } from '../../src/pipeline/finetune/gold/review.js';
import { parseExclusionList, selectGold } from '../../src/pipeline/finetune/gold/select.js';
import { seededShuffle } from '../../src/pipeline/util/random.js';
import { ExtractionResultSchema, type ExtractionResult } from '../../src/pipeline/schemas/extraction.js';
import { Run } from '../../src/pipeline/store/run.js';
import { UserError } from '../../src/pipeline/util/errors.js';
import { makeTempDir } from '../helpers/tmp.js';

const ids = Array.from({ length: 50 }, (_, i) => String(50000000 + i));

describe('gold selection', () => {
  it('is reproducible for a seed, independent of input order, and differs between seeds', () => {
    const a = selectGold(ids, 10, 123);
    expect(a).toHaveLength(10);
    expect(selectGold([...ids].reverse(), 10, 123)).toEqual(a);
    expect(selectGold(ids, 10, 124)).not.toEqual(a);
    expect(new Set(a).size).toBe(10);
  });

  it('skips excluded ids and still returns N when enough remain', () => {
    const first = selectGold(ids, 10, 123);
    const excl = new Set(first.slice(0, 4));
    const b = selectGold(ids, 10, 123, excl);
    expect(b).toHaveLength(10);
    expect(b.some((id) => excl.has(id))).toBe(false);
    expect(b.slice(0, 6)).toEqual(first.slice(4));
  });

  it('a shuffle is a permutation', () => {
    expect([...seededShuffle(ids, 7)].sort()).toEqual(ids);
  });

  it('reads exclusion lists as text (comments, s-prefix) or CSV with a study_id column', () => {
    expect([...parseExclusionList('# doctors\ns50000001\n50000002\n\n')]).toEqual(['50000001', '50000002']);
    expect([...parseExclusionList('subject_id,study_id\n10,s50000003\n11,50000004\n', 'ids.csv')]).toEqual([
      '50000003',
      '50000004',
    ]);
    expect([...parseExclusionList('50000005,extra\n50000006,more\n', 'ids.csv')]).toEqual(['50000005', '50000006']);
  });
});

describe('gold prompt', () => {
  it("is the step's param, else the gold profile's own prompt, else the full prompt", async () => {
    const tmp = makeTempDir();
    const run = await Run.open(tmp.dir, { create: true });
    try {
      expect(goldPrompt(run, { profile: 'gold', prompt: null })).toBe('full');
      await run.update((s) => void (s.config.llm = { profiles: { gold: { prompt: '/p/strong.txt' } } }));
      expect(goldPrompt(run, { profile: 'gold', prompt: null })).toBe('/p/strong.txt');
      expect(goldPrompt(run, { profile: 'gold', prompt: 'simple' })).toBe('simple');
    } finally {
      await run.close();
      tmp.cleanup();
    }
  });
});

describe('gold review file', () => {
  let tmp: ReturnType<typeof makeTempDir> | null = null;
  let run: Run | null = null;
  afterEach(async () => {
    await run?.close();
    tmp?.cleanup();
  });

  const ok = (
    id: string,
    entity: Record<string, unknown> = { effusion: { location: 'left', level: null, type: null } },
  ): ExtractionResult => ({
    study_id: id,
    status: 'ok',
    backend: 'llm',
    keyinfo: { opacity_vs_clear: {}, entity, uncertain_entity: [], no_entity: [] },
  });

  async function setup() {
    tmp = makeTempDir();
    run = await Run.open(tmp.dir, { create: true });
    const gold = run.artifact('gold', ExtractionResultSchema);
    gold.appendMany([
      ok('1'),
      ok('2'),
      { study_id: '3', status: 'failed', backend: 'llm', keyinfo: null, reason: 'server: 503' },
    ]);
    gold.close();
    return run;
  }

  it('accept, reject and correct are recorded in <run>/gold/review.jsonl and change what is usable', async () => {
    const r = await setup();
    await setReview(r, '1', { status: 'accepted' });
    await setReview(r, '2', { status: 'rejected', note: 'wrong side' });
    await setReview(r, '3', {
      status: 'corrected',
      keyinfo: { opacity_vs_clear: {}, entity: {}, uncertain_entity: [], no_entity: ['pneumothorax'] },
    });
    const rows = await listGold(r);
    expect(rows.map((x) => [x.study_id, x.review, x.decision.usable])).toEqual([
      ['1', 'accepted', true],
      ['2', 'rejected', false],
      ['3', 'corrected', true],
    ]);
    expect(reviewCounts(rows)).toMatchObject({ accepted: 1, rejected: 1, corrected: 1, usable: 2, skipped: 1 });
    expect(fs.existsSync(path.join(tmp!.dir, 'gold', 'review.jsonl'))).toBe(true);
    expect(r.state.artifacts['gold-review']?.version).toBe(3);
  });

  it('an invalid correction is refused with the reason and nothing is written', async () => {
    const r = await setup();
    await expect(
      setReview(r, '1', { status: 'corrected', keyinfo: { entity: { effusion: { location: 3 } } } }),
    ).rejects.toThrow(UserError);
    await expect(
      setReview(r, '1', { status: 'corrected', keyinfo: { entity: { effusion: { location: 3 } } } }),
    ).rejects.toThrow(/entity\.effusion\.location/);
    expect(fs.existsSync(reviewFile(tmp!.dir))).toBe(false);
    await expect(setReview(r, '99', { status: 'accepted' })).rejects.toThrow(/not in the gold set/);
  });

  it('an acceptance no longer applies once the gold step re-extracted the report differently', async () => {
    const r = await setup();
    await setReview(r, '1', { status: 'accepted' });
    r.artifact('gold', ExtractionResultSchema).append(
      ok('1', { edema: { location: null, level: 'mild', type: null } }),
    );
    const rows = await listGold(r);
    expect(rows.find((x) => x.study_id === '1')?.review).toBe('pending');
    expect((await readReviews(tmp!.dir)).get('1')?.status).toBe('accepted');
  });
});
