import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readKeyInfoSet } from '../../src/pipeline/eval/adapters.js';
import { readCorpus } from '../../src/pipeline/eval/corpus.js';
import { loadMapping, mapTerm, readLabelsSet } from '../../src/pipeline/eval/labels.js';
import { runEvaluation, type EvalOptions } from '../../src/pipeline/eval/run.js';
import { makeTempDir } from '../helpers/tmp.js';

let cleanup: (() => void) | null = null;
afterEach(() => cleanup?.());
const tmpDir = () => {
  const t = makeTempDir();
  cleanup = t.cleanup;
  return t.dir;
};

describe('honest evaluation (issue 16 item 7)', () => {
  it('labels gold: warns about duplicate ids, blank labels and torn rows; leaves blank rows out; counts partly mapped studies', () => {
    const dir = tmpDir();
    const mappingFile = path.join(dir, 'm.csv');
    fs.writeFileSync(mappingFile, 'term,entity,note\nnormal,,\nCardiomegaly,cardiomegaly,\n');
    const labels = path.join(dir, 'l.csv');
    fs.writeFileSync(
      labels,
      'uid,MeSH,extra\n1,Cardiomegaly,x\n1,normal,x\n2,,x\n3,Cardiomegaly;Mystery/left,x\n4,normal\n',
    );
    const g = readLabelsSet(labels, { idCol: 'uid', labelCol: 'MeSH', mapping: loadMapping(mappingFile) });
    expect(g.excluded.has('2')).toBe(true);
    expect([...g.partial]).toEqual(['3']);
    expect(g.warnings!.join('\n')).toMatch(/1 ids occur more than once.*1 \(2×\)/);
    expect(g.warnings!.join('\n')).toMatch(/1 rows have a blank MeSH cell/);
    expect(g.warnings!.join('\n')).toMatch(/1 torn rows/);
  });

  it('KeyInfo predictions: counts failed rows and warns about a torn last line and repeated ids in a plain file', () => {
    const dir = tmpDir();
    const jl = path.join(dir, 'p.jsonl');
    const row = (id: string, extra: object = {}) =>
      JSON.stringify({ study_id: id, entity: {}, no_entity: [], ...extra });
    fs.writeFileSync(
      jl,
      [row('1'), row('1'), row('2', { status: 'failed', keyinfo: null }), '{"study_id": "3", "ent'].join('\n'),
    );
    const s = readKeyInfoSet(jl);
    expect(s.failed).toBe(1);
    expect(s.warnings!.join('\n')).toMatch(/last line is torn/);
    expect(s.warnings!.join('\n')).toMatch(/ids occur more than once/);
  });

  it('corpus CSV: warns about duplicate ids', () => {
    const dir = tmpDir();
    const csv = path.join(dir, 'c.csv');
    fs.writeFileSync(csv, 'uid,findings\n1,Clear.\n1,Clear.\n');
    expect(readCorpus(csv, { idCol: 'uid', textCols: ['findings'] }).warnings.join('\n')).toMatch(
      /corpus .* 1 ids occur more than once/,
    );
  });

  it('reports coverage, partly mapped studies and unknown --restrict names', () => {
    const dir = tmpDir();
    const csv = path.join(dir, 'c.csv');
    fs.writeFileSync(
      csv,
      'uid,MeSH,findings\n1,Cardiomegaly,The heart is enlarged.\n2,Mystery Finding,Lungs are clear.\n3,normal,\n',
    );
    const corpus = path.join(dir, 'corpus.csv');
    fs.writeFileSync(corpus, 'uid,findings\n1,The heart is enlarged.\n2,Lungs are clear.\n');
    const r = runEvaluation({
      gold: csv,
      mapping: 'data/mappings/iu-xray.csv',
      pred: 'rules',
      corpus,
      idCol: 'uid',
      textCols: ['findings'],
      restrict: ['cardiomegaly', 'dragon scales'],
    });
    expect(r.coverage).toEqual({ goldIds: 3, predicted: 2, matched: 2, missing: 1, failedRows: 0, overlap: 2 / 3 });
    expect(r.partialStudies).toBe(1);
    expect(r.unmappedTerms).toEqual({ 'Mystery Finding': 1 });
    expect(r.warnings.join('\n')).toMatch(/--restrict: dragon scales is not an entity name/);
  });

  it('the IU mapping has a rule for every heading of the public Open-i label vocabulary', () => {
    const mapping = loadMapping('data/mappings/iu-xray.csv');
    // Headings of the Open-i/IU X-ray MeSH vocabulary beyond the ones the dev slice happens to use.
    for (const term of [
      'Pericardial Effusion',
      'Funnel Chest',
      'Osteoporosis',
      'Pneumoperitoneum',
      'Hernia, Diaphragmatic',
      'Bullous Emphysema',
      'Hyperostosis, Diffuse Idiopathic Skeletal',
      'Breast Implants',
      'Tuberculosis',
      'Hemothorax',
      'Lymph Nodes/enlarged',
    ]) {
      expect(mapTerm(term, mapping), term).not.toBeNull();
    }
    expect(mapTerm('Osteoporosis', mapping)).toBe('osteopenia');
  });

  it('--half scores one fixed half of the studies on both sides', () => {
    const dir = tmpDir();
    const csv = path.join(dir, 'c.csv');
    const ids = ['1', '2', '3', '4', '5', '6', '7', '8'];
    fs.writeFileSync(
      csv,
      'uid,MeSH,findings\n' + ids.map((id) => `${id},Cardiomegaly,The heart is enlarged.`).join('\n') + '\n',
    );
    const opts: EvalOptions = {
      gold: csv,
      mapping: 'data/mappings/iu-xray.csv',
      pred: 'rules',
      corpus: csv,
      idCol: 'uid',
      textCols: ['findings'],
    };
    // sha256 first byte: "2" d4, "3" 4e, "8" 2c are even (A); the rest odd (B).
    expect(runEvaluation({ ...opts, half: 'A' }).coverage).toMatchObject({ goldIds: 3, predicted: 3, matched: 3 });
    expect(runEvaluation({ ...opts, half: 'B' }).coverage).toMatchObject({ goldIds: 5, predicted: 5, matched: 5 });
  });
});
