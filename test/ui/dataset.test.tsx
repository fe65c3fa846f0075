import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerStats } from '../../src/cli/commands/stats.js';
import type { DatasetStats } from '../../src/pipeline/index.js';
import { fmtNum, fmtPct } from '../../src/present/format.js';
import { cleanup } from 'ink-testing-library';
import { computeStats } from '../../src/pipeline/questions/stats.js';
import type { QaPair } from '../../src/pipeline/questions/schema.js';
import { statsRows } from '../../src/present/stats.js';
import { writeInspectorFixtures } from './helpers/fixtures.js';
import { frameWidth, KEY, plain, pressAndWaitFor, renderApp, tempRun, waitForText } from './helpers/render.js';

afterEach(() => cleanup());

describe('dataset view', () => {
  it('computes per-type counts, closed/yes/no shares, subjects and answer vocabulary', () => {
    const pair = (
      study_id: string,
      subject_id: string,
      question_type: QaPair['question_type'],
      answer: string,
    ): QaPair => ({
      study_id,
      qa_id: `${study_id}-${question_type}-${answer}`,
      subject_id,
      dicom_id: null,
      ref_id: null,
      question_type,
      question: `q ${answer}`,
      answer,
      answer_type: answer === 'yes' || answer === 'no' ? 'closed' : 'open',
      split: 'train',
      provenance: { entities: [], source_cycle: 0, template: 't' },
    });
    const stats = computeStats([
      pair('a', '1', 'presence', 'yes'),
      pair('a', '1', 'presence', 'no'),
      pair('b', '2', 'presence', 'yes'),
      pair('b', '2', 'location', 'left lung'),
    ]);
    const { rows, total } = statsRows(stats);
    // only the types this run produced, most frequent first
    expect(rows.map((r) => r.type)).toEqual(['presence', 'location']);
    expect(rows[0]).toMatchObject({
      count: '3',
      share: '75.0%',
      open: '0',
      closed: '3',
      yes: '66.7%',
      no: '33.3%',
      subjects: '2',
      vocab: '2',
    });
    expect(rows[1]).toMatchObject({
      count: '1',
      share: '25.0%',
      open: '1',
      closed: '0',
      yes: '-',
      no: '-',
      subjects: '1',
      vocab: '1',
    });
    expect(total).toMatchObject({
      type: 'total',
      count: '4',
      share: '100%',
      open: '1',
      closed: '3',
      yes: '66.7%',
      no: '33.3%',
      subjects: '2',
      vocab: '3',
    });
  });

  it('shows the statistics table and sample QA pairs per type', async () => {
    const run = await tempRun();
    await writeInspectorFixtures(run);
    const app = await renderApp(run, [], { initial: { screen: 'dataset' } });
    const frame = await waitForText(app, '5 QA pairs · 2 studies');
    expect(frame).toMatch(/type\s+count\s+share\s+open\s+closed\s+yes\s+no\s+subj\s+answers/);
    expect(frame).toMatch(/presence\s+2\s+40\.0%\s+0\s+2\s+50\.0%\s+50\.0%\s+2\s+2/);
    expect(frame).toContain('[view] which view is this image taken? → PA view');
    await pressAndWaitFor(app, KEY.escape, 'cxrvqa · notebook');
    await run.close();
  });

  it('keeps the table header on one line in a 60-column terminal', async () => {
    const run = await tempRun();
    await writeInspectorFixtures(run);
    const app = await renderApp(run, [], { initial: { screen: 'dataset' }, columns: 60, rows: 20 });
    const frame = plain(await waitForText(app, '5 QA pairs · 2 studies'));
    const lines = frame.split('\n');
    const header = lines.findIndex((l) => /^type\s+count/.test(l));
    expect(header).toBeGreaterThan(-1);
    // the row under the header is the first type, not the header's wrapped tail
    expect(lines[header + 1]).toMatch(/^(presence|view|abnormality|location|level)\s+\d/);
    expect(frameWidth(frame)).toBeLessThanOrEqual(60);
    await run.close();
  });

  it('shows the figures `cxrvqa stats --json` prints for the same run', async () => {
    const run = await tempRun();
    await writeInspectorFixtures(run);
    const program = new Command().exitOverride();
    registerStats(program);
    let out = '';
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    try {
      await program.parseAsync(['stats', '--json', '--run', run.dir], { from: 'user' });
    } finally {
      write.mockRestore();
    }
    const cli = JSON.parse(out) as DatasetStats;
    const produced = cli.by_type.filter((t) => t.count > 0);
    expect(produced.map((t) => t.type).sort()).toEqual(['abnormality', 'location', 'presence', 'view']);

    const app = await renderApp(run, [], { initial: { screen: 'dataset' } });
    const frame = plain(await waitForText(app, `${fmtNum(cli.total)} QA pairs · ${fmtNum(cli.studies)} studies`));
    for (const t of produced) {
      const yes = t.closed ? fmtPct(t.yes_share) : '-';
      const no = t.closed ? fmtPct(t.no_share) : '-';
      const cells = [
        t.type,
        fmtNum(t.count),
        fmtPct(t.share),
        fmtNum(t.open),
        fmtNum(t.closed),
        yes,
        no,
        fmtNum(t.subjects),
        fmtNum(t.answer_vocab),
      ];
      expect(frame).toMatch(
        new RegExp(`^${cells.map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\\s+')}\\s*$`, 'm'),
      );
    }
    expect(frame).toMatch(
      new RegExp(`^total\\s+${cli.total}\\s+100%\\s+.*\\s${cli.subjects}\\s+${cli.answer_vocab}\\s*$`, 'm'),
    );
    await run.close();
  });

  it('says what to run when there are no questions', async () => {
    const run = await tempRun();
    const app = await renderApp(run, [], { initial: { screen: 'dataset' } });
    await waitForText(app, 'No QA pairs yet');
    await run.close();
  });
});
