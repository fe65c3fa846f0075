import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runStep } from '../../src/pipeline/runner/runner.js';
import { questionsStep } from '../../src/pipeline/questions/step.js';
import { QaPairSchema, type QaPair } from '../../src/pipeline/questions/schema.js';
import type { AnyStep, RunnerEvent } from '../../src/pipeline/steps/contract.js';
import { Run } from '../../src/pipeline/store/run.js';
import { makeRun } from './runFixture.js';

const step = questionsStep as unknown as AnyStep;
const env = { confirmations: new Set<string>(), env: {} };
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

async function readPairs(run: Run): Promise<QaPair[]> {
  const out: QaPair[] = [];
  for await (const p of run.artifact<QaPair>('questions', QaPairSchema).lines()) out.push(p);
  return out;
}

describe('questions step', () => {
  it('writes the artifact and the dataset folder; a re-run gives identical bytes', async () => {
    const run = await makeRun(dirs);
    try {
      const events: RunnerEvent[] = [];
      expect(
        await runStep(run, step, { signal: new AbortController().signal, env, onEvent: (e) => events.push(e) }),
      ).toBe('done');
      const pairs = await readPairs(run);
      expect(pairs.length).toBeGreaterThan(30);
      expect(run.state.steps.questions!.counts.questions).toBe(pairs.length);
      // Lateral studies get nothing; the rewritten record's latest cycle is used.
      expect(pairs.some((p) => Number(p.study_id) % 4 === 3)).toBe(false);
      const first = pairs.filter((p) => p.study_id === '50000000');
      expect(first.every((p) => p.provenance.source_cycle === 2)).toBe(true);
      expect(pairs.some((p) => p.question_type === 'difference' && p.ref_id !== null)).toBe(true);

      const dir = path.join(run.dir, 'dataset');
      expect(fs.readdirSync(dir).sort()).toEqual([
        'conversations.jsonl',
        'manifest.json',
        'qa.csv',
        'qa.jsonl',
        'stats.json',
      ]);
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
      expect(manifest).toMatchObject({
        seed: 0,
        tool: { name: 'cxrvqa' },
        generator_version: 2,
        params: { difference: true },
        counts: { total: pairs.length },
      });
      expect(manifest.inputs_sha256.standardized).toMatch(/^[0-9a-f]{64}$/);
      expect(manifest.files.map((f: { file: string }) => f.file)).toEqual([
        'qa.csv',
        'qa.jsonl',
        'conversations.jsonl',
      ]);
      const conv = fs
        .readFileSync(path.join(dir, 'conversations.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(conv[0].images[0]).toBe('files/p10/p10000000/s50000000/dcm-0.jpg');

      const snapshot = Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f))]));
      expect(await runStep(run, step, { signal: new AbortController().signal, env, force: true })).toBe('done');
      for (const [f, bytes] of Object.entries(snapshot))
        expect(fs.readFileSync(path.join(dir, f)).equals(bytes)).toBe(true);
      expect((await readPairs(run)).length).toBe(pairs.length);
    } finally {
      await run.close();
    }
  });

  it('a stop before the end writes no partial records', async () => {
    const run = await makeRun(dirs, 5000);
    try {
      const ac = new AbortController();
      const outcome = await runStep(run, step, {
        signal: ac.signal,
        env,
        onEvent: (e) => {
          if (e.type === 'step-event' && e.event.type === 'progress') ac.abort();
        },
      });
      expect(outcome).toBe('interrupted');
      expect(await readPairs(run)).toHaveLength(0);
      expect(fs.existsSync(path.join(run.dir, 'dataset', 'qa.csv'))).toBe(false);
    } finally {
      await run.close();
    }
  });

  it('an unreadable or invalid standardized line is reported and skipped; the rest is used', async () => {
    const run = await makeRun(dirs, 8);
    try {
      fs.appendFileSync(
        run.artifactPath('standardized'),
        '{"study_id":"50000099","keyinfo":{"entity":"error"}}\nnot json\n',
      );
      const logs: string[] = [];
      const outcome = await runStep(run, step, {
        signal: new AbortController().signal,
        env,
        onEvent: (e) => {
          if (e.type === 'step-event' && e.event.type === 'log') logs.push(e.event.message);
        },
      });
      expect(outcome).toBe('done');
      expect(logs.filter((l) => l.startsWith('input: line'))).toHaveLength(2);
      const manifest = JSON.parse(fs.readFileSync(path.join(run.dir, 'dataset', 'manifest.json'), 'utf8'));
      expect(manifest.counts.generation.unreadable_input_lines).toBe(2);
      expect(manifest.counts.generation.records).toBe(8);
    } finally {
      await run.close();
    }
  });

  it('without standardized records: a clear message', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cxrvqa-q-'));
    dirs.push(dir);
    const run = await Run.open(dir, { create: true });
    try {
      await expect(runStep(run, step, { signal: new AbortController().signal, env })).rejects.toThrow(
        /No standardized records/,
      );
    } finally {
      await run.close();
    }
  });

  it('no study qualifies (no views): empty exports and a warning state with the unknownView fix', async () => {
    const run = await makeRun(dirs, 4);
    try {
      // Every study loses its view, as in a corpus without metadata: nothing is generated.
      const reports = run.artifact<{ study_id: string }>('reports');
      reports.reset();
      for (let i = 0; i < 4; i++)
        reports.append({
          study_id: String(50000000 + i),
          subject_id: '10000000',
          dicom_id: null,
          view: null,
          study_order: null,
          study_date: null,
          split: null,
          source: 'x',
          text: 'FINDINGS: synthetic.',
          selected: 'synthetic.',
          rule_text: 'synthetic.',
          extra: {},
        } as { study_id: string });
      reports.close();
      const events: RunnerEvent[] = [];
      expect(
        await runStep(run, step, { signal: new AbortController().signal, env, onEvent: (e) => events.push(e) }),
      ).toBe('done');
      expect(run.state.steps.questions!.counts.questions).toBe(0);
      // Never a green done: the step ends in the warning state with the reason and the fix.
      expect(run.state.steps.questions!.warning).toMatch(/no.*AP\/PA view.*--set questions.unknownView=include/);
      const end = events.find((e) => e.type === 'step-end');
      expect(end?.type === 'step-end' && end.warning).toMatch(/unknownView=include/);
      expect(fs.readFileSync(path.join(run.dir, 'dataset', 'qa.jsonl'), 'utf8')).toBe('');
    } finally {
      await run.close();
    }
  });
});
