import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { computeStats } from '../../src/pipeline/questions/stats.js';
import type { QaPair } from '../../src/pipeline/questions/schema.js';
import { statsRows } from '../../src/present/stats.js';
import { writeInspectorFixtures } from './helpers/fixtures.js';
import { frameWidth, KEY, plain, pressAndWaitFor, renderApp, tempRun, waitForText } from './helpers/render.js';

afterEach(() => cleanup());

describe('dataset view', () => {
  it('computes per-type counts, closed/yes/no shares, subjects and answer vocabulary', () => {
    const pair = (study_id: string, subject_id: string, question_type: QaPair['question_type'], answer: string): QaPair => ({
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
    const stats = computeStats([pair('a', '1', 'presence', 'yes'), pair('a', '1', 'presence', 'no'), pair('b', '2', 'presence', 'yes'), pair('b', '2', 'location', 'left lung')]);
    const { rows, total } = statsRows(stats);
    // only the types this run produced, most frequent first
    expect(rows.map((r) => r.type)).toEqual(['presence', 'location']);
    expect(rows[0]).toMatchObject({ count: '3', share: '75.0%', open: '0', closed: '3', yes: '66.7%', no: '33.3%', subjects: '2', vocab: '2' });
    expect(rows[1]).toMatchObject({ count: '1', share: '25.0%', open: '1', closed: '0', yes: '-', no: '-', subjects: '1', vocab: '1' });
    expect(total).toMatchObject({ type: 'total', count: '4', share: '100%', open: '1', closed: '3', yes: '66.7%', no: '33.3%', subjects: '2', vocab: '3' });
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

  it('says what to run when there are no questions', async () => {
    const run = await tempRun();
    const app = await renderApp(run, [], { initial: { screen: 'dataset' } });
    await waitForText(app, 'No QA pairs yet');
    await run.close();
  });
});
