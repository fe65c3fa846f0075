import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli as cli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/tmp.js';

let tmp: ReturnType<typeof makeTempDir>;
let runDir: string;
let images: string;

beforeAll(async () => {
  tmp = makeTempDir();
  runDir = path.join(tmp.dir, 'run');
  images = path.join(tmp.dir, 'jpg');
  fs.mkdirSync(images);
  const r = await cli(['run', '--sample', '--backend', 'rules', '--run', runDir, '--images', images]);
  if (r.status !== 0) throw new Error(`sample run failed: ${r.stderr}`);
}, 120_000);
afterAll(() => tmp.cleanup());

describe('the dataset folder of a sample run', () => {
  it('has the card, Parquet splits, conversations with image links and the check and bias results', () => {
    const dir = path.join(runDir, 'dataset');
    expect(fs.readdirSync(dir).sort()).toEqual([
      'README.md',
      'bias.json',
      'check.json',
      'conversations.jsonl',
      'data',
      'manifest.json',
      'qa.csv',
      'qa.jsonl',
      'stats.json',
    ]);
    expect(
      fs.readdirSync(path.join(dir, 'data')).every((f) => /^(train|validation|test)-00000-of-00001\.parquet$/.test(f)),
    ).toBe(true);
    const first = JSON.parse(fs.readFileSync(path.join(dir, 'conversations.jsonl'), 'utf8').split('\n')[0]!);
    // The images folder is empty: every image is missing, and counted.
    expect(first.image_status).toBe('missing');
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.images.root).toBe(images);
    expect(
      Object.values(manifest.images.by_split as Record<string, { records: number; missing: number }>).every(
        (s) => s.missing === s.records && s.records > 0,
      ),
    ).toBe(true);
  });

  it('cxrvqa check prints 0 violations and the bias table, and exits 0', async () => {
    const r = await cli(['check', '--run', runDir]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^consistency: 0 violations in [\d,]+ pairs$/m);
    expect(r.stdout).toMatch(/^type\s+pairs\s+yes\s+entropy\s+by tmpl\s+by text\s+flag$/m);
    expect(r.stdout).toMatch(/^presence\s/m);
    const json = await cli(['check', '--run', runDir, '--json']);
    expect(JSON.parse(json.stdout).check.violations).toBe(0);
  });

  it('cxrvqa check exits 1 and names the rule when a pair contradicts its KeyInfo', async () => {
    const file = path.join(runDir, 'artifacts', 'questions.jsonl');
    const saved = fs.readFileSync(file, 'utf8');
    try {
      const lines = saved.trim().split('\n');
      const i = lines.findIndex((l) => JSON.parse(l).question_type === 'view');
      const p = JSON.parse(lines[i]!);
      lines[i] = JSON.stringify({
        ...p,
        answer: p.answer === 'yes' ? 'no' : p.answer === 'no' ? 'yes' : p.answer === 'PA view' ? 'AP view' : 'PA view',
      });
      fs.writeFileSync(file, lines.join('\n') + '\n');
      const r = await cli(['check', '--run', runDir]);
      expect(r.status).toBe(1);
      expect(r.stdout).toMatch(/^consistency: 1 violations/m);
      expect(r.stdout).toMatch(/^ {2}view: 1, e\.g\. study \d+/m);
    } finally {
      fs.writeFileSync(file, saved);
      expect((await cli(['check', '--run', runDir])).status).toBe(0);
    }
  });

  it('cxrvqa check on a run without questions names the step to run first', async () => {
    const bare = path.join(tmp.dir, 'bare');
    expect((await cli(['run', '--sample', '--backend', 'rules', '--steps', 'ingest', '--run', bare])).status).toBe(0);
    const r = await cli(['check', '--run', bare]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/needs the questions.* artifacts first/);
    expect(fs.existsSync(path.join(bare, 'dataset'))).toBe(false);
  });

  it('cxrvqa run --images with a folder that does not exist stops before any step', async () => {
    const r = await cli(['run', '--run', runDir, '--steps', 'questions', '--images', path.join(tmp.dir, 'nope')]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/images folder .*nope does not exist/);
  });
});

describe('the run report', () => {
  it('has a consistency and bias section with the baseline per type', async () => {
    const r = await cli(['report', '--run', runDir]);
    expect(r.status, r.stderr).toBe(0);
    const md = fs.readFileSync(path.join(runDir, 'report', 'report.md'), 'utf8');
    expect(md).toContain('## Consistency and bias');
    expect(md).toMatch(/^0 consistency violations in [\d,]+ pairs\.$/m);
    expect(md).toMatch(
      /^\| presence \| [\d,]+ \| [\d.]+% \| [\d.]+ \| yes \([\d,]+\), no \([\d,]+\) \| [a-z ]+ \([\d,]+\)/m,
    );
    const html = fs.readFileSync(path.join(runDir, 'report', 'report.html'), 'utf8');
    expect(html).toContain('id="checks"');
  });
});
