import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { keyInfoToDoc } from '../../src/pipeline/eval/fromKeyInfo.js';
import { loadMapping, mapTerm, readLabelsSet } from '../../src/pipeline/eval/labels.js';
import { evaluate, prf } from '../../src/pipeline/eval/metrics.js';
import { readKeyInfoSet } from '../../src/pipeline/eval/adapters.js';
import { CATEGORIES, type EvalSet } from '../../src/pipeline/eval/types.js';
import { makeTempDir } from '../helpers/tmp.js';

const a = (location: string | null = null, level: string | null = null, type: string | null = null) => ({
  location,
  level,
  type,
});

function set(rows: Record<string, unknown>): EvalSet {
  return {
    docs: new Map(Object.entries(rows).map(([id, ki]) => [id, keyInfoToDoc(ki)])),
    scored: new Set(CATEGORIES),
    excluded: new Set(),
    source: 't',
  };
}

let cleanup: (() => void) | null = null;
afterEach(() => cleanup?.());

describe('evaluate', () => {
  const gold = set({
    s1: {
      entity: { 'pleural effusions': a('left', 'small'), atelectasis: a('bibasilar') },
      no_entity: ['pneumothorax'],
      uncertain_entity: {},
    },
    s2: {
      entity: { cardiomegaly: a(null, 'mild') },
      no_entity: ['pneumothorax', 'edema'],
      uncertain_entity: { pneumonia: a() },
    },
  });
  const pred = set({
    s1: {
      entity: { 'pleural effusion': a('left', 'moderate'), 'lung opacity': a() },
      no_entity: ['pneumothorax'],
      uncertain_entity: ['atelectasis'],
    },
    s2: {
      entity: { 'enlarged cardiac silhouette': a(null, 'mild') },
      no_entity: ['pneumothorax'],
      uncertain_entity: { pneumonia: a() },
    },
  });

  it('scores each category at the entity level after name normalization', () => {
    const r = evaluate(gold, pred);
    // positive: gold {effusion, atelectasis, cardiomegaly}, pred {effusion, opacity, cardiomegaly} → tp 2, fp 1, fn 1
    expect(r.categories.positive).toEqual(prf(2, 1, 1));
    expect(r.categories.positive!.f1).toBeCloseTo(2 / 3, 10);
    // negative: gold {ptx, ptx, edema}, pred {ptx, ptx} → tp 2, fn 1: P 1, R 2/3, F1 0.8
    expect(r.categories.negative).toMatchObject({ tp: 2, fp: 0, fn: 1, precision: 1 });
    expect(r.categories.negative!.f1).toBeCloseTo(0.8, 10);
    // uncertain: gold {pneumonia}, pred {atelectasis, pneumonia} → tp 1, fp 1
    expect(r.categories.uncertain).toMatchObject({ tp: 1, fp: 1, fn: 0, precision: 0.5, recall: 1 });
  });

  it('scores attributes on matched positives only, where gold has a value', () => {
    const r = evaluate(gold, pred);
    expect(r.attributes.location).toMatchObject({ total: 1, exact: 1 });
    expect(r.attributes.level).toMatchObject({ total: 2, exact: 1 });
    expect(r.attributes.type.total).toBe(0);
  });

  it('gives a per-entity table', () => {
    const r = evaluate(gold, pred);
    const row = r.perEntity.find((e) => e.name === 'opacity' && e.category === 'positive')!;
    expect(row).toMatchObject({ tp: 0, fp: 1, fn: 0, support: 0 });
    expect(r.perEntity.find((e) => e.name === 'edema' && e.category === 'negative')).toMatchObject({
      tp: 0,
      fn: 1,
      recall: 0,
    });
  });

  it('scores only ids present on both sides and counts the rest', () => {
    const r = evaluate(gold, set({ s2: { entity: { cardiomegaly: a() } }, s9: { entity: { edema: a() } } }));
    expect(r.ids).toMatchObject({ gold: 2, pred: 2, matched: 1, goldOnly: 1, predOnly: 1 });
    expect(r.categories.positive).toEqual(prf(1, 0, 0));
  });

  it('restricts both sides to the given names', () => {
    const r = evaluate(gold, pred, { restrictTo: new Set(['pleural effusion', 'opacity']) });
    expect(r.categories.positive).toEqual(prf(1, 1, 0));
  });

  it('handles empty sets without dividing by zero', () => {
    const r = evaluate(set({}), set({}));
    expect(r.categories.positive).toEqual({ tp: 0, fp: 0, fn: 0, precision: null, recall: null, f1: null });
  });
});

describe('labels gold', () => {
  it('maps label terms with qualifiers, "normal" and excluded studies', () => {
    const tmp = makeTempDir();
    cleanup = tmp.cleanup;
    const mappingFile = path.join(tmp.dir, 'm.csv');
    fs.writeFileSync(
      mappingFile,
      'term,entity,note\nnormal,,\nNo Indexing,@exclude,\nCardiomegaly,cardiomegaly,\nCardiac Shadow/enlarged,cardiomegaly,\nCardiac Shadow,,\n"Pleural Effusions",pleural effusion,\nStents,,device\n',
    );
    const mapping = loadMapping(mappingFile);
    expect(mapTerm('Cardiac Shadow/enlarged/mild', mapping)).toBe('cardiomegaly');
    expect(mapTerm('Cardiac Shadow/obscured', mapping)).toBe('');
    expect(mapTerm('Unknown Thing', mapping)).toBeNull();
    const labels = path.join(tmp.dir, 'l.csv');
    fs.writeFileSync(
      labels,
      'uid,MeSH\n1,normal\n2,Pleural Effusions/left/small;Stents/coronary vessels\n3,No Indexing\n4,Mystery/left\n',
    );
    const g = readLabelsSet(labels, { idCol: 'uid', labelCol: 'MeSH', mapping });
    expect(g.docs.get('1')!.positive.size).toBe(0);
    expect([...g.docs.get('2')!.positive.keys()]).toEqual(['pleural effusion']);
    expect(g.docs.get('2')!.positive.get('pleural effusion')).toEqual({ location: 'left', level: 'small', type: null });
    expect(g.excluded.has('3')).toBe(true);
    expect(g.unmapped.get('Mystery')).toBe(1);
    expect([...g.scored]).toEqual(['positive']);
  });
});

describe('KeyInfo adapters', () => {
  it('reads a JSON array, JSONL flat rows, {study_id, keyinfo} rows and reference records', () => {
    const tmp = makeTempDir();
    cleanup = tmp.cleanup;
    const arr = path.join(tmp.dir, 'a.json');
    fs.writeFileSync(arr, JSON.stringify([{ study_id: 's10', entity: { effusion: a() }, no_entity: [] }]));
    expect([...readKeyInfoSet(arr).docs.get('10')!.positive.keys()]).toEqual(['pleural effusion']);
    const jl = path.join(tmp.dir, 'b.jsonl');
    fs.writeFileSync(
      jl,
      [
        JSON.stringify({ study_id: '1', keyinfo: { entity: {}, no_entity: ['pneumothoraces'] } }),
        JSON.stringify({
          study_id: '2',
          subject_id: 'p',
          entity: {
            edema: {
              entity_name: 'edema',
              location: ['bilateral'],
              type: [],
              level: [],
              post_location: null,
              location2: null,
              type2: null,
              level2: null,
              post_location2: null,
              evidence: [],
            },
          },
          no_entity: [],
          uncertain_entity: [],
        }),
        JSON.stringify({ study_id: '4', status: 'parse_error', keyinfo: null, backend: 'llm' }),
        JSON.stringify({ study_id: '5', status: 'failed', keyinfo: { entity: 'error' }, backend: 'llm' }),
        '{"study_id": "3", "entity": {', // torn last line
      ].join('\n'),
    );
    const s = readKeyInfoSet(jl);
    expect([...s.docs.get('1')!.negative]).toEqual(['pneumothorax']);
    expect(s.docs.get('2')!.positive.get('edema')).toEqual({ location: 'bilateral', level: null, type: null });
    expect(s.docs.has('3')).toBe(false);
    // Failed extractions are left out, not scored as "no findings".
    expect(s.docs.has('4')).toBe(false);
    expect(s.docs.has('5')).toBe(false);
  });
});
