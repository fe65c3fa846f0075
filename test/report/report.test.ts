import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { questionsStep } from '../../src/pipeline/questions/step.js';
import { collectRunReport, SampleKeeper } from '../../src/pipeline/report/collect.js';
import { renderHtml } from '../../src/pipeline/report/html.js';
import { renderMarkdown } from '../../src/pipeline/report/markdown.js';
import { writeRunReport } from '../../src/pipeline/report/write.js';
import { runStep } from '../../src/pipeline/runner/runner.js';
import type { AnyStep } from '../../src/pipeline/steps/contract.js';
import { makeRun } from '../questions/runFixture.js';
import { runCli } from '../helpers/run-cli.js';
import { evaluate } from '../../src/pipeline/eval/metrics.js';
import { keyInfoToDoc } from '../../src/pipeline/eval/fromKeyInfo.js';
import { CATEGORIES } from '../../src/pipeline/eval/types.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const env = { confirmations: new Set<string>(), env: {} };

async function reportRun() {
  const run = await makeRun(dirs, 60);
  await runStep(run, questionsStep as unknown as AnyStep, { signal: new AbortController().signal, env });
  // Text from a run is data, never markup: a hostile eval name and values must come out escaped.
  fs.mkdirSync(path.join(run.dir, 'eval'), { recursive: true });
  fs.writeFileSync(
    path.join(run.dir, 'eval', 'labels.json'),
    JSON.stringify({
      model: '<script>alert(1)</script>',
      summary: { precision: 0.91234, recall: 0.8, n: 100 },
      per_entity: [
        { entity: 'edema & <b>', tp: 3, fp: 1 },
        { entity: 'effusion', tp: 5, fp: 0 },
      ],
    }),
  );
  await run.update((s) => {
    s.cycles.push({
      cycle: 1,
      startedAt: '2026-01-01T00:00:00Z',
      finishedAt: '2026-01-01T00:01:00Z',
      counts: { changed: 7 },
      completed: [],
    });
    s.steps.questions!.summary = 'done <img src=x onerror=alert(2)>';
  });
  return run;
}

describe('run report', () => {
  it('HTML has every section, charts inline, no external assets, everything escaped', async () => {
    const run = await reportRun();
    try {
      const data = await collectRunReport(run);
      const html = renderHtml(data);
      for (const id of ['steps', 'stats', 'eval', 'cycles', 'samples']) expect(html).toContain(`id="${id}"`);
      expect(html).toContain('Question generation');
      expect(html).toMatch(/<svg[^>]*class="chart"/);
      expect(html).toContain('released dataset');
      expect(html).toContain('211,560');
      expect(html).not.toMatch(/<script|<img|src="http|href="http|<link/i);
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(html).toContain('edema &amp; &lt;b&gt;');
      expect(html).toContain('done &lt;img src=x onerror=alert(2)&gt;');
      expect(html).toContain('0.9123'); // eval numbers rendered generically
      expect(html).toContain('changed=7');
      for (const t of Object.keys(data.samples)) expect(html).toContain(`<h3>${t}</h3>`);
      expect(Object.keys(data.samples)).toEqual(
        expect.arrayContaining(['abnormality', 'presence', 'view', 'level', 'difference']),
      );
    } finally {
      await run.close();
    }
  });

  it('an evaluation report from `cxrvqa eval` is shown as its tables (category P/R/F1, attributes, per entity)', async () => {
    const run = await reportRun();
    try {
      const set = (ki: unknown) => ({
        docs: new Map([['a', keyInfoToDoc(ki)]]),
        scored: new Set(CATEGORIES),
        excluded: new Set<string>(),
        source: 't',
      });
      const none = { location: null, level: null, type: null };
      const scored = evaluate(
        set({ entity: { edema: { ...none, location: 'left' } }, uncertain_entity: {}, no_entity: ['pneumothorax'] }),
        set({
          entity: { edema: { ...none, location: 'left' }, cardiomegaly: none },
          uncertain_entity: {},
          no_entity: [],
        }),
      );
      fs.writeFileSync(
        path.join(run.dir, 'eval', 'auto-vs-gold.json'),
        JSON.stringify({ gold: 'gold.jsonl', pred: 'run', scopes: { all: scored } }),
      );
      const data = await collectRunReport(run);
      const html = renderHtml(data);
      expect(html).toContain('<h3>auto-vs-gold</h3>');
      // positive: edema tp, cardiomegaly fp → P 50%, R 100%, F1 66.7%
      expect(html).toMatch(
        /<td>positive<\/td><td class="n">50\.0%<\/td><td class="n">100\.0%<\/td><td class="n">66\.7%<\/td>/,
      );
      expect(html).toContain('<td>negative</td><td class="n">-</td><td class="n">0.0%</td>');
      expect(html).toContain('per entity (top');
      const md = renderMarkdown(data);
      expect(md).toContain('| positive | 50.0% | 100.0% | 66.7% | 1 | 1 | 0 |');
    } finally {
      await run.close();
    }
  });

  it('a done step whose input changed since is reported stale, as `cxrvqa status` says', async () => {
    const run = await reportRun();
    try {
      await run.update((s) => {
        s.artifacts.standardized = {
          version: (s.artifacts.standardized?.version ?? 0) + 1,
          count: 61,
          updatedAt: null,
        };
      });
      const data = await collectRunReport(run);
      expect(data.steps.find((s) => s.id === 'questions')!.status).toBe('stale');
      expect(renderMarkdown(data)).toMatch(/\(questions\): stale/);
    } finally {
      await run.close();
    }
  });

  it('Markdown has the same sections and tables', async () => {
    const run = await reportRun();
    try {
      const md = renderMarkdown(await collectRunReport(run));
      for (const h of [
        '## Steps',
        '## Dataset statistics',
        '## Evaluation',
        '## Cycle history',
        '## Sample QA pairs',
        '### Top entities',
        '### Answer lengths',
      ])
        expect(md).toContain(h);
      expect(md).toMatch(/\| presence \| \d+ \|/);
      expect(md).toContain('edema & <b>');
    } finally {
      await run.close();
    }
  });

  it('an empty run still gives a report that says what is missing', async () => {
    const run = await makeRun(dirs, 4);
    try {
      const html = renderHtml(await collectRunReport(run));
      expect(html).toContain('No questions yet');
      expect(html).toContain('No evaluation reports');
    } finally {
      await run.close();
    }
  });

  it('writeRunReport writes HTML and Markdown side by side', async () => {
    const run = await reportRun();
    try {
      const out = path.join(run.dir, 'share', 'page.html');
      const w = await writeRunReport(run, out);
      expect(w).toEqual({ html: out, markdown: path.join(run.dir, 'share', 'page.md') });
      expect(fs.readFileSync(out, 'utf8').startsWith('<!doctype html>')).toBe(true);
    } finally {
      await run.close();
    }
  });

  it('samples: the same pairs every time, at most 5 per type, smallest ids', () => {
    const k = new SampleKeeper(2);
    const p = (qa_id: string) => ({ qa_id, question_type: 'view' }) as never;
    ['d', 'b', 'e', 'a', 'c'].forEach((id) => k.add(p(id)));
    expect(k.byType.get('view')!.map((x) => (x as { qa_id: string }).qa_id)).toEqual(['a', 'b']);
  });
});

describe('cli stats and report', () => {
  it('stats prints the table and JSON; report writes the page; a run without questions gets a clear message', async () => {
    const run = await reportRun();
    const dir = run.dir;
    await run.close();
    const table = await runCli(['stats', '--run', dir]);
    expect(table.stdout).toMatch(/^type\s+count\s+share/);
    expect(table.stdout).toContain('780,014');
    const json = JSON.parse((await runCli(['stats', '--run', dir, '--json'])).stdout);
    expect(json.by_type.find((t: { type: string }) => t.type === 'presence').release_count).toBe(211_560);
    const rep = await runCli(['report', '--run', dir]);
    expect(rep.stdout.trim().split('\n')).toEqual([
      path.join(dir, 'report', 'report.html'),
      path.join(dir, 'report', 'report.md'),
    ]);

    const empty = await makeRun(dirs, 2);
    const emptyDir = empty.dir;
    await empty.close();
    const failed = await runCli(['stats', '--run', emptyDir]);
    expect(failed.status).toBe(2);
    expect(failed.stderr).toContain('No questions in');
  });
});
