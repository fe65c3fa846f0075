import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { barChart } from '../../src/pipeline/report/chart.js';
import { STEPS } from '../../src/pipeline/steps/registry.js';
import { writeFile } from '../ingest/fixtures.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/tmp.js';

let tmp: ReturnType<typeof makeTempDir>;
afterEach(() => tmp?.cleanup());

const number = (id: string) => STEPS.findIndex((s) => s.id === id) + 1;

const CSV =
  'study_id,report\n' +
  '1001,"FINDINGS: There is a small left pleural effusion. IMPRESSION: Left pleural effusion."\n' +
  '1002,"FINDINGS: Mild cardiomegaly. No pneumothorax."\n';

describe('run report layout', () => {
  it('statistics and charts first, steps after with notebook numbers, skipped steps with reasons, the warning shown', async () => {
    tmp = makeTempDir();
    const run = path.join(tmp.dir, 'run');
    const csv = writeFile(path.join(tmp.dir, 'c.csv'), CSV);
    expect((await runCli(['run', '--corpus', csv, '--run', run])).status).toBe(3);
    await runCli(['report', '--run', run]);
    let html = fs.readFileSync(path.join(run, 'report', 'report.html'), 'utf8');
    let md = fs.readFileSync(path.join(run, 'report', 'report.md'), 'utf8');
    expect(html).toMatch(/<span class="badge warning">warning<\/span>/);
    expect(html).toMatch(/<p class="warning">warning: 0 questions from 2 studies/);
    expect(md).toMatch(/^warning: 0 questions from 2 studies/m);
    // Numbered as in the notebook, not by position among the steps that ran.
    expect(html).toContain(`[${number('questions')}] Question generation`);
    expect(md).toMatch(new RegExp(`^### \\[${number('questions')}\\] Question generation`, 'm'));
    // Steps without a result are listed with why.
    expect(html).toMatch(/<h3>Skipped steps<\/h3>/);
    expect(html).toMatch(
      new RegExp(
        `\\[${number('gold')}\\] [^<]*<span class="muted">\\(gold\\)</span></td><td>not for this run: not configured`,
      ),
    );
    expect(html).toMatch(/\(check\)<\/span><\/td><td>not run: questions gave nothing to work on/);
    expect(md).toMatch(/\| \[\d+\] Dataset checks[^|]*\(check\) \| not run: questions gave nothing to work on/);
    // One duration format.
    expect(md).toMatch(/^### \[1\] [^\n]*: done, \d+s$/m);

    expect((await runCli(['run', '--run', run, '--set', 'questions.unknownView=include'])).status).toBe(0);
    await runCli(['report', '--run', run]);
    html = fs.readFileSync(path.join(run, 'report', 'report.html'), 'utf8');
    md = fs.readFileSync(path.join(run, 'report', 'report.md'), 'utf8');
    expect(html.indexOf('id="stats"')).toBeGreaterThan(0);
    expect(html.indexOf('id="stats"')).toBeLessThan(html.indexOf('<svg'));
    expect(html.indexOf('<svg')).toBeLessThan(html.indexOf('id="steps"'));
    expect(md.indexOf('## Dataset statistics')).toBeLessThan(md.indexOf('## Steps'));
    expect(html).not.toMatch(/<h3>Skipped steps<\/h3>[\s\S]*\(check\)/);
  });

  it('chart labels and value texts are not clipped: the SVG is as wide as they need', () => {
    const label = 'left lower lobe atelectasis, moderate'; // 37 characters
    const svg = barChart(
      [
        { label, values: [843914, 780014], texts: ['843,914 (100.0%)', '780,014 (100.0%)'] },
        { label: 'view', values: [1, 2] },
      ],
      [
        { name: 'this run', color: '#000' },
        { name: 'release', color: '#999' },
      ],
      { title: 't' },
    );
    expect(svg).toContain(`>${label}</text>`);
    const width = Number(/width="(\d+)"/.exec(svg)![1]);
    // The label is right-aligned at x: it needs x ≥ its length × ~7 px.
    const labelX = Number(new RegExp(`x="([\\d.]+)"[^>]*class="lb">${label}`).exec(svg)![1]);
    expect(labelX).toBeGreaterThanOrEqual(label.length * 7);
    // The value text after the longest bar ends inside the SVG.
    const xs = [...svg.matchAll(/<text x="([\d.]+)"[^>]*class="vl">([^<]*)</g)].map(
      (m) => Number(m[1]) + m[2]!.length * 7,
    );
    expect(Math.max(...xs)).toBeLessThanOrEqual(width);
    // Very long labels are cut, the whole label kept as the tooltip.
    const long = 'x'.repeat(60);
    const cut = barChart([{ label: long, values: [1] }], [{ name: 'a', color: '#000' }], { title: 't' });
    expect(cut).toContain(`<title>${long}</title>`);
  });
});
