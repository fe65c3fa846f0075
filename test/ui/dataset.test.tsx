import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { addQuestion, emptyStats, statsTable } from '../../src/ui/dataset/stats.js';
import { writeInspectorFixtures } from './helpers/fixtures.js';
import { frameWidth, KEY, plain, pressAndWaitFor, renderApp, tempRun, waitForText } from './helpers/render.js';

afterEach(() => cleanup());

describe('dataset view', () => {
  it('computes per-type counts, closed/yes/no shares, subjects and answer vocabulary', () => {
    const s = emptyStats();
    for (const row of [
      { study_id: 'a', subject_id: '1', question_type: 'presence', question: 'q', answer: 'yes' },
      { study_id: 'a', subject_id: '1', question_type: 'presence', question: 'q2', answer: 'no' },
      { study_id: 'b', subject_id: '2', question_type: 'presence', question: 'q3', answer: 'Yes' },
      { study_id: 'b', subject_id: '2', question_type: 'location', question: 'q4', answer: 'left lung' },
    ])
      addQuestion(s, row);
    const t = statsTable(s);
    expect(t[0]).toEqual(['presence', '3', '75.0%', '0', '3', '66.7%', '33.3%', '2', '2']);
    expect(t[1]).toEqual(['location', '1', '25.0%', '1', '0', '—', '—', '1', '1']);
    expect(t.at(-1)).toEqual(['total', '4', '100%', '1', '3', '66.7%', '33.3%', '2', '3']);
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
