import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { biasReport } from '../../src/pipeline/dataset/bias.js';
import { renderCard, type CardInput } from '../../src/pipeline/dataset/card.js';
import { checkPairs } from '../../src/pipeline/dataset/check.js';
import { generateQuestions } from '../../src/pipeline/questions/generate.js';
import { computeStats } from '../../src/pipeline/questions/stats.js';
import { buildFrequencyDicts } from '../../src/pipeline/standardize/dictionaries.js';
import { corpus, DISEASES, params } from '../questions/fixtures.js';

function card(over: Partial<CardInput>): string {
  const { records, index } = corpus(30);
  const p = params({ splitMode: 'seeded' });
  const dicts = buildFrequencyDicts(records.map((r) => r.keyinfo));
  const { pairs } = generateQuestions(records, index, dicts, p, DISEASES);
  return renderCard({
    toolVersion: '9.9.9',
    corpus: { kind: 'mimic-jpg', path: '/data/mimic', metadata: null, columns: {}, credentialed: true },
    backend: 'llm',
    manifest: {
      seed: 0,
      generator_version: 2,
      params: p,
      inputs_sha256: { standardized: 'a'.repeat(64) },
      files: [{ file: 'qa.csv', sha256: 'b'.repeat(64), rows: pairs.length }],
    },
    stats: computeStats(pairs),
    check: checkPairs(pairs, {
      records: new Map(records.map((r) => [r.study_id, r])),
      metadata: index,
      dicts,
      params: p,
      diseases: DISEASES,
    }),
    bias: biasReport(pairs),
    parquet: [
      {
        split: 'validate',
        file: 'data/validation-00000-of-00001.parquet',
        rows: pairs.length,
        row_groups: 1,
        bytes: 10,
        sha256: 'c'.repeat(64),
      },
    ],
    ...over,
  });
}

describe('dataset card', () => {
  it('for MIMIC-derived data names the PhysioNet licence and says who may receive it', () => {
    const md = card({});
    const header = parseYaml(/^---\n([\s\S]*?)\n---\n/.exec(md)![1]!) as Record<string, unknown>;
    expect(header).toMatchObject({
      license: 'other',
      license_name: 'physionet-credentialed-health-data-1.5.0',
      size_categories: ['n<1K'],
    });
    expect(header.configs).toEqual([
      { config_name: 'default', data_files: [{ split: 'validation', path: 'data/validation-*' }] },
    ]);
    expect(md).toMatch(/## Data use\n\n.*PhysioNet Credentialed Health Data License 1\.5\.0/);
    expect(md).toContain('Only credentialed PhysioNet users');
    for (const h of ['a'.repeat(64), 'b'.repeat(64), 'c'.repeat(64)]) expect(md).toContain(h);
  });

  it('for another corpus leaves a licence placeholder to fill in, and states checked image links', () => {
    const md = card({
      corpus: { kind: 'csv', path: 'x.csv', metadata: null, columns: {}, credentialed: false },
      manifest: {
        seed: 0,
        generator_version: 2,
        params: {},
        inputs_sha256: {},
        files: [],
        images: { root: '/jpg', checked: true, by_split: { validate: { records: 10, missing: 3 } } },
      },
    });
    expect(md).toContain('license_name: source-corpus-terms');
    expect(md).toContain('derived from the csv corpus this run read');
    expect(md).toContain('validation 3 of 10 records missing');
  });
});
