import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readDiseaseLibrary } from '../../src/pipeline/names/diseases.js';
import { normalizeEntityName, officialNameMap } from '../../src/pipeline/names/normalize.js';
import { loadDiseaseLibrary, QuestionLibrary } from '../../src/pipeline/questions/library.js';
import { loadLibs } from '../../src/pipeline/rules/libs.js';
import { dataPath } from '../../src/pipeline/util/paths.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** The bundled libraries with disease.csv replaced. */
function libsWith(diseaseCsv: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cxrvqa-libs-'));
  dirs.push(dir);
  for (const f of fs.readdirSync(dataPath('libs'))) fs.copyFileSync(path.join(dataPath('libs'), f), path.join(dir, f));
  fs.writeFileSync(path.join(dir, 'disease.csv'), diseaseCsv);
  return dir;
}

const CSV = [
  'id,report_name,official_name,location,origin',
  '0,Effusion;pleural fluid,Pleural Effusion,pleural,original',
  '1,opacity;opacities,lung opacity,lung,original',
  '2,heart ... enlarged;cardiomegaly,cardiomegaly,heart,original',
  '3,port-a-cath,port,chest wall,added',
  '',
].join('\n');

describe('one disease library', () => {
  it('rules, name normalization and question generation read the same rows of one file', () => {
    const dir = libsWith(CSV);
    const rows = readDiseaseLibrary(dir);
    expect(rows.map((d) => d.official)).toEqual(['pleural effusion', 'lung opacity', 'cardiomegaly', 'port']);
    expect(loadLibs(dir).diseases).toEqual(rows);
    const names = loadLibs(dir).officialNames;
    expect(names).toEqual(officialNameMap(rows));
    expect(normalizeEntityName('Pleural Fluid', names)).toBe('pleural effusion');
    // Question generation: the release's "opacity", no gap patterns, only the original rows asked about.
    const q = loadDiseaseLibrary(dir);
    expect(q.map((d) => d.official)).toEqual(['pleural effusion', 'opacity', 'cardiomegaly', 'port']);
    expect(q[2]!.variants).toEqual(['cardiomegaly']);
    expect(new QuestionLibrary(q).askable).toEqual(['pleural effusion', 'opacity', 'cardiomegaly']);
  });

  it("a folder without disease.csv is the user's to fix", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cxrvqa-libs-'));
    dirs.push(dir);
    expect(() => loadDiseaseLibrary(dir)).toThrow(/disease\.csv/);
  });
});
