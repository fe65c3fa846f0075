import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { StrictKeyInfo } from '../../src/pipeline/schemas/keyinfo.js';
import { buildContext } from '../../src/pipeline/standardize/context.js';
import {
  exportReviewCsvs,
  parseReviewCsv,
  readDictionaries,
  readReviewedTerms,
  writeDictionaries,
} from '../../src/pipeline/standardize/dict-io.js';
import {
  buildFrequencyDicts,
  highFrequency,
  scaledHighThreshold,
} from '../../src/pipeline/standardize/dictionaries.js';
import { standardizeRecord } from '../../src/pipeline/standardize/record.js';
import { makeTempDir } from '../helpers/tmp.js';

let tmp: ReturnType<typeof makeTempDir> | undefined;
afterEach(() => tmp?.cleanup());

const A = (location: string | null = null, level: string | null = null, type: string | null = null) => ({
  location,
  level,
  type,
});
const rec = (p: Partial<StrictKeyInfo>): StrictKeyInfo => ({
  opacity_vs_clear: {},
  entity: {},
  uncertain_entity: {},
  no_entity: [],
  ...p,
});

describe('frequency dictionaries', () => {
  const records = [
    rec({
      entity: { effusion: A('left', 'small') },
      uncertain_entity: { pneumonia: A('left') },
      opacity_vs_clear: { opacity: A('right', null, 'patchy') },
    }),
    rec({ entity: { effusion: A('right', 'small'), edema: A() }, no_entity: ['pneumothorax'] }),
    rec({ entity: { effusion: A('left') } }),
  ];

  it('counts names from entity, uncertain_entity and opacity_vs_clear and attribute values, sorted descending', () => {
    const d = buildFrequencyDicts(records);
    expect(d.entity).toEqual([
      ['effusion', 3],
      ['edema', 1],
      ['opacity', 1],
      ['pneumonia', 1],
    ]);
    expect(d.location).toEqual([
      ['left', 3],
      ['right', 2],
    ]);
    expect(d.level).toEqual([['small', 2]]);
    expect(d.type).toEqual([['patchy', 1]]);
  });

  it('highFrequency keeps terms at or above the threshold', () => {
    const d = buildFrequencyDicts(records);
    expect(highFrequency(d.location, 3)).toEqual(new Set(['left']));
    expect(highFrequency(d.location, 2)).toEqual(new Set(['left', 'right']));
  });

  it('the auto threshold is 1000 at MIMIC scale and at least 3 on small corpora', () => {
    expect(scaledHighThreshold(227_835)).toBe(1000);
    expect(scaledHighThreshold(400)).toBe(3);
    expect(scaledHighThreshold(20_000)).toBe(100);
  });

  it('JSON export/import round-trips, and the CSV has Term,Count rows', () => {
    tmp = makeTempDir();
    const d = buildFrequencyDicts(records);
    writeDictionaries(tmp.dir, d);
    expect(readDictionaries(tmp.dir)).toEqual(d);
    expect(fs.readFileSync(path.join(tmp.dir, 'location_dict.csv'), 'utf8')).toBe('Term,Count\nleft,3\nright,2\n');
  });
});

describe('reviewed term lists', () => {
  it('a non-empty comment other than OK rejects a term; terms with commas and quotes survive CSV quoting', () => {
    const csv = 'Term,Comment\neffusion,\nedema,OK\n"nodule, small",not a finding\nwidget,  ok \n"say ""x""",no\n';
    expect(parseReviewCsv(csv, 'x.csv')).toEqual(new Set(['nodule, small', 'say "x"']));
  });

  it('a sheet without a Term column is refused with a clear message', () => {
    expect(() => parseReviewCsv('Word,Note\na,b\n', 'bad.csv')).toThrow(/no "Term" column/);
  });

  it('exported review sheets, filled in by a clinician, are read back and applied', () => {
    tmp = makeTempDir();
    const d = buildFrequencyDicts([rec({ entity: { effusion: A('left'), nodules: A('small') } })]);
    const files = exportReviewCsvs(tmp.dir, d);
    expect(files.map((f) => path.basename(f))).toEqual([
      'entity_review.csv',
      'location_review.csv',
      'level_review.csv',
      'type_review.csv',
    ]);
    const entityCsv = fs.readFileSync(files[0]!, 'utf8');
    expect(entityCsv).toBe('Term,Comment\neffusion,\nnodules,\n');
    fs.writeFileSync(files[0]!, entityCsv.replace('nodules,', 'nodules,not an abnormality'));
    const { rejected } = readReviewedTerms(tmp.dir);
    expect(rejected.entity).toEqual(new Set(['nodules']));
    const ctx = buildContext(d, { highThreshold: 3, rejected });
    // The plural form was rejected; the singular the mapping produces is rejected too.
    expect(standardizeRecord({ entity: { nodules: {}, effusion: {} } }, ctx).keyinfo.entity).toEqual({ effusion: A() });
  });

  it('a missing folder is a clear error', () => {
    expect(() => readReviewedTerms('/nonexistent/reviewed')).toThrow(/does not exist/);
  });
});
