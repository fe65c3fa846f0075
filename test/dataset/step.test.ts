import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { VIOLATIONS } from '../../src/pipeline/dataset/artifacts.js';
import { PARQUET_COLUMNS, toRow } from '../../src/pipeline/dataset/parquet.js';
import { checkStep, readDatasetChecks } from '../../src/pipeline/dataset/step.js';
import { buildMetadataIndex } from '../../src/pipeline/questions/generate.js';
import { QUESTIONS } from '../../src/pipeline/questions/artifacts.js';
import { questionsStep } from '../../src/pipeline/questions/step.js';
import type { QaPair, StudyMeta } from '../../src/pipeline/questions/schema.js';
import { runStep } from '../../src/pipeline/runner/runner.js';
import type { AnyStep } from '../../src/pipeline/steps/contract.js';
import type { Run } from '../../src/pipeline/store/run.js';
import { makeRun } from '../questions/runFixture.js';

const env = { confirmations: new Set<string>(), env: {} };
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const opts = () => ({ signal: new AbortController().signal, env, force: true });

async function pairsOf(run: Run): Promise<QaPair[]> {
  const out: QaPair[] = [];
  for await (const p of run.open(QUESTIONS).lines()) out.push(p);
  return out;
}

async function metasOf(run: Run): Promise<Map<string, StudyMeta>> {
  const metas: StudyMeta[] = [];
  for await (const r of run.artifact<StudyMeta & { study_id: string }>('reports').lines()) metas.push(r);
  return buildMetadataIndex(metas);
}

/** A run with questions, its check params set; `images` is a MIMIC-CXR-JPG root with some of the images. */
async function questionsRun(over: { images?: string; rowGroupRows?: number } = {}) {
  const run = await makeRun(dirs);
  await run.update((s) => {
    s.steps.questions!.params = { ...s.steps.questions!.params, ...(over.images ? { images: over.images } : {}) };
    if (over.rowGroupRows) s.steps.check = { ...s.steps.questions!, params: { rowGroupRows: over.rowGroupRows } };
  });
  expect(await runStep(run, questionsStep as unknown as AnyStep, opts())).toBe('done');
  return run;
}

function frontMatter(md: string): Record<string, unknown> {
  const m = /^---\n([\s\S]*?)\n---\n/.exec(md);
  expect(m).not.toBeNull();
  return parseYaml(m![1]!) as Record<string, unknown>;
}

describe('check step', () => {
  it('finds 0 violations, writes Parquet splits that an independent reader reads back row for row, and a dataset card', async () => {
    const run = await questionsRun({ rowGroupRows: 7 });
    try {
      expect(await runStep(run, checkStep as unknown as AnyStep, opts())).toBe('done');
      const pairs = await pairsOf(run);
      const meta = await metasOf(run);
      const dir = path.join(run.dir, 'dataset');
      const saved = readDatasetChecks(run)!;
      expect(saved.check).toMatchObject({ pairs: pairs.length, violations: 0 });
      expect(saved.bias.by_type.map((t) => t.type)).toContain('presence');
      expect(run.state.steps.check!.counts).toMatchObject({ violations: 0, pairs: pairs.length });

      const files = fs.readdirSync(path.join(dir, 'data')).sort();
      expect(files).toEqual(['test-00000-of-00001.parquet', 'train-00000-of-00001.parquet']);
      for (const split of ['train', 'test']) {
        const file = await asyncBufferFromFile(path.join(dir, 'data', `${split}-00000-of-00001.parquet`));
        const want = pairs.filter((p) => p.split === split);
        const md = await parquetMetadataAsync(file);
        expect(md.row_groups.length).toBe(Math.ceil(want.length / 7));
        // The reader's own decoder for GZIP pages: Node's gunzip (hyparquet ships Snappy only).
        const rows = await parquetReadObjects({
          file,
          compressors: { GZIP: (input) => new Uint8Array(zlib.gunzipSync(input)) },
        });
        expect(md.row_groups[0]!.columns[0]!.meta_data!.codec).toBe('GZIP');
        expect(rows).toEqual(want.map((p) => toRow(p, meta)));
        expect(Object.keys(rows[0]!)).toEqual(PARQUET_COLUMNS);
      }

      const card = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
      const header = frontMatter(card) as {
        configs: Array<{ data_files: Array<{ split: string; path: string }> }>;
        dataset_info: { features: Array<{ name: string }>; splits: Array<{ name: string; num_examples: number }> };
        task_categories: string[];
        license: string;
      };
      expect(header.configs[0]!.data_files).toEqual([
        { split: 'train', path: 'data/train-*' },
        { split: 'test', path: 'data/test-*' },
      ]);
      expect(header.dataset_info.features.map((f) => f.name)).toEqual(PARQUET_COLUMNS);
      expect(header.dataset_info.splits.reduce((n, s) => n + s.num_examples, 0)).toBe(pairs.length);
      expect(header.task_categories).toContain('visual-question-answering');
      expect(header.license).toBe('other');
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
      expect(card).toContain(manifest.inputs_sha256.standardized);
      expect(card).toContain('## Data use');
      expect(card).toContain(`0 violations in ${pairs.length} pairs`);
    } finally {
      await run.close();
    }
  });

  it('counts a wrong answer in the questions artifact as a violation, kept in its artifact', async () => {
    const run = await questionsRun();
    try {
      const pairs = await pairsOf(run);
      const level = pairs.find((p) => p.question_type === 'level')!;
      const art = run.open(QUESTIONS);
      art.append({ ...level, qa_id: 'tampered', answer: 'enormous' });
      art.close();
      expect(await runStep(run, checkStep as unknown as AnyStep, opts())).toBe('done');
      const rows = [];
      for await (const v of run.open(VIOLATIONS).lines()) rows.push(v);
      expect(rows.map((r) => [r.rule, r.answer])).toEqual([
        ['qa_id', 'enormous'],
        ['level', 'enormous'],
      ]);
      expect(readDatasetChecks(run)!.check.by_rule.level.count).toBe(1);
    } finally {
      await run.close();
    }
  });

  it('with an images root, marks each conversation found or missing and counts the missing per split; without, unchecked', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cxrvqa-jpg-'));
    dirs.push(root);
    // Only subject 10000000's images exist.
    const have = 'files/p10/p10000000';
    for (let i = 0; i < 4; i++) {
      fs.mkdirSync(path.join(root, have, `s${50000000 + i}`), { recursive: true });
      fs.writeFileSync(path.join(root, have, `s${50000000 + i}`, `dcm-${i}.jpg`), '');
    }
    const run = await questionsRun({ images: root });
    try {
      const dir = path.join(run.dir, 'dataset');
      const conv = fs
        .readFileSync(path.join(dir, 'conversations.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map(
          (l) =>
            JSON.parse(l) as {
              subject_id: string;
              image: string;
              images: string[];
              image_status: string;
              split: string;
            },
        );
      for (const c of conv) {
        expect(c.image).toBe(c.images[0]);
        expect(c.image_status).toBe(c.subject_id === '10000000' ? 'found' : 'missing');
      }
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
      const count = (split: string, status?: string) =>
        conv.filter((c) => c.split === split && (!status || c.image_status === status)).length;
      expect(manifest.images).toEqual({
        root,
        checked: true,
        by_split: {
          test: { records: count('test'), missing: count('test', 'missing') },
          train: { records: count('train'), missing: count('train', 'missing') },
        },
      });
      expect(manifest.images.by_split.train.missing).toBeGreaterThan(0);
    } finally {
      await run.close();
    }
    const plain = await questionsRun();
    try {
      const conv = fs
        .readFileSync(path.join(plain.dir, 'dataset', 'conversations.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(new Set(conv.map((c: { image_status: string }) => c.image_status))).toEqual(new Set(['unchecked']));
      expect(conv[0].image).toMatch(/^files\/p10\/p\d+\/s\d+\/dcm-\d+\.jpg$/);
    } finally {
      await plain.close();
    }
  });

  it('an images folder that does not exist is a user error before any work', async () => {
    const run = await makeRun(dirs);
    try {
      await run.update((s) => {
        s.steps.questions!.params = { ...s.steps.questions!.params, images: path.join(run.dir, 'no-such-root') };
      });
      await expect(runStep(run, questionsStep as unknown as AnyStep, opts())).rejects.toThrow(
        /images folder .* does not exist/,
      );
      expect(fs.existsSync(path.join(run.dir, 'dataset'))).toBe(false);
    } finally {
      await run.close();
    }
  });
});
