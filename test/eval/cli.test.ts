import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli as cli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/tmp.js';

let cleanup: (() => void) | null = null;
afterEach(() => cleanup?.());

const row = (id: string, entity: Record<string, unknown>, no_entity: string[] = []) =>
  JSON.stringify({ study_id: id, opacity_vs_clear: {}, entity, uncertain_entity: {}, no_entity });
const none = { location: null, level: null, type: null };

describe('cxrvqa eval', () => {
  it('reports matched, gold-only and pred-only ids and scores only the matched ones', async () => {
    const tmp = makeTempDir();
    cleanup = tmp.cleanup;
    const gold = path.join(tmp.dir, 'gold.jsonl');
    const pred = path.join(tmp.dir, 'pred.jsonl');
    const out = path.join(tmp.dir, 'out.json');
    fs.writeFileSync(
      gold,
      [
        row('a', { edema: none }),
        row('b', { 'pleural effusions': none }, ['pneumothorax']),
        row('c', { cardiomegaly: none }),
      ].join('\n') + '\n',
    );
    fs.writeFileSync(
      pred,
      [
        row('b', { 'pleural effusion': none }, ['pneumothorax']),
        row('c', { atelectasis: none }),
        row('d', { edema: none }),
      ].join('\n') + '\n',
    );
    // 2 of 3 gold studies have a prediction: below the default --min-overlap 0.9 the scores are still printed, the exit status is 1.
    const res = await cli(['eval', '--gold', gold, '--pred', pred, '--json', out]);
    expect(res.status).toBe(1);
    expect(res.stdout).toContain('coverage: gold ids 3, predicted 3, matched 2 (66.7%), missing 1, failed rows 0');
    expect(res.stderr).toMatch(/only 66\.7% of the gold studies have a prediction/);
    expect(res.stdout).toContain('matched 2 (scored), gold-only 1, pred-only 1');
    expect((await cli(['eval', '--gold', gold, '--pred', pred, '--min-overlap', '0.6'])).status).toBe(0);
    const json = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect(json.scopes.all.ids).toMatchObject({ matched: 2, goldOnly: 1, predOnly: 1 });
    // b: effusion tp; c: cardiomegaly fn, atelectasis fp. a and d are not scored.
    expect(json.scopes.all.categories.positive).toMatchObject({ tp: 1, fp: 1, fn: 1, f1: 0.5 });
    expect(json.scopes.all.categories.negative).toMatchObject({ tp: 1, fp: 0, fn: 0 });
  });

  it('--json into a folder that does not exist yet creates it (no stack trace)', async () => {
    const tmp = makeTempDir();
    cleanup = tmp.cleanup;
    const gold = path.join(tmp.dir, 'gold.jsonl');
    fs.writeFileSync(gold, row('a', { edema: none }) + '\n');
    const out = path.join(tmp.dir, 'new', 'dir', 'out.json');
    const res = await cli(['eval', '--gold', gold, '--pred', gold, '--json', out]);
    expect(res.stderr).not.toContain('internal error');
    expect(res.status).toBe(0);
    expect(JSON.parse(fs.readFileSync(out, 'utf8')).scopes.all.categories.positive).toMatchObject({ tp: 1 });
  });

  it('scoring a run folder keeps the report in <run>/eval for the run report', async () => {
    const tmp = makeTempDir();
    cleanup = tmp.cleanup;
    const gold = path.join(tmp.dir, 'gold.jsonl');
    fs.writeFileSync(gold, row('a', { edema: none }) + '\n');
    const runDir = path.join(tmp.dir, 'run');
    fs.mkdirSync(path.join(runDir, 'artifacts'), { recursive: true });
    fs.writeFileSync(
      path.join(runDir, 'state.json'),
      JSON.stringify({ schemaVersion: 1, createdAt: 'x', updatedAt: 'x' }),
    );
    fs.writeFileSync(
      path.join(runDir, 'artifacts', 'standardized.jsonl'),
      JSON.stringify({
        study_id: 'a',
        cycle: 0,
        source: 'raw',
        keyinfo: { opacity_vs_clear: {}, entity: { edema: none }, uncertain_entity: {}, no_entity: [] },
      }) + '\n',
    );
    const res = await cli(['eval', '--gold', gold, '--pred', runDir]);
    expect(res.status).toBe(0);
    const saved = path.join(runDir, 'eval', 'auto-vs-gold.json');
    expect(res.stderr).toContain(`wrote ${saved}`);
    expect(JSON.parse(fs.readFileSync(saved, 'utf8')).scopes.all.categories.positive).toMatchObject({ tp: 1, f1: 1 });
  });

  it('runs the rules extractor on a CSV corpus and scores it against a labels CSV', async () => {
    const tmp = makeTempDir();
    cleanup = tmp.cleanup;
    const csv = path.join(tmp.dir, 'c.csv');
    fs.writeFileSync(
      csv,
      'uid,MeSH,findings,impression\n1,Pleural Effusion/left/small,Small left pleural effusion.,No pneumothorax.\n2,normal,Lungs are clear.,No acute disease.\n3,Cardiomegaly/mild,,Mild cardiomegaly.\n',
    );
    const res = await cli([
      'eval',
      '--gold',
      csv,
      '--id-col',
      'uid',
      '--mapping',
      'data/mappings/iu-xray.csv',
      '--pred',
      'rules',
      '--corpus',
      csv,
      '--text-cols',
      'findings,impression',
    ]);
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/== covered/);
    expect(res.stdout).toMatch(/positive\s+P 100\.0%\s+R 100\.0%\s+F1 100\.0%/);
    expect(res.stdout).toMatch(/== all-mapped/);
  });

  it('gives one clear message for a missing file or a missing mapping', async () => {
    const r1 = await cli(['eval', '--gold', '/nonexistent/g.jsonl', '--pred', 'rules']);
    expect(r1.status).toBe(2);
    expect(r1.stderr).toMatch(/^error: .*not found/m);
    expect(r1.stderr).not.toMatch(/at .*\.ts:/);
    const tmp = makeTempDir();
    cleanup = tmp.cleanup;
    const csv = path.join(tmp.dir, 'l.csv');
    fs.writeFileSync(csv, 'uid,MeSH\n1,normal\n');
    const r2 = await cli(['eval', '--gold', csv, '--pred', 'rules', '--corpus', csv]);
    expect(r2.status).toBe(2);
    expect(r2.stderr).toMatch(/needs --mapping/);
  });
});
