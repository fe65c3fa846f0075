import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { Run } from '../../src/pipeline/store/run.js';
import { accuracyTable } from '../../src/pipeline/inspect/reviewAccuracy.js';
import { seededSample } from '../../src/pipeline/util/random.js';
import type { StudyDetail } from '../../src/pipeline/inspect/studyIndex.js';
import { fromKeyInfo } from '../../src/pipeline/inspect/findings.js';
import { writeInspectorFixtures } from './helpers/fixtures.js';
import { KEY, pressAndWaitFor, renderApp, tempRun, waitForQuit, waitForText } from './helpers/render.js';

afterEach(() => cleanup());

describe('review sample and accuracy', () => {
  it('draws the same seeded sample every time, without repeats', () => {
    const ids = Array.from({ length: 500 }, (_, i) => `s${i}`);
    const a = seededSample(ids, 100, 1);
    expect(a).toEqual(seededSample(ids, 100, 1));
    expect(new Set(a).size).toBe(100);
    expect(seededSample(ids, 100, 2)).not.toEqual(a);
    expect(seededSample(ids.slice(0, 3), 100, 1)).toHaveLength(3);
  });

  it('scores each method on the judged findings it produced', () => {
    const d: StudyDetail = {
      id: 'a',
      report: null,
      reference: null,
      questions: [],
      changes: [],
      followupLog: [],
      extractions: [],
      stages: [
        { label: 'rules', findings: fromKeyInfo({ entity: { opacity: {}, edema: {} } }), note: '' },
        { label: 'llm raw', findings: fromKeyInfo({ entity: { opacity: {} } }), note: '' },
        { label: 'std c0', findings: null, note: '' },
      ],
    };
    const j = new Map([
      [
        'a',
        {
          study_id: 'a',
          judgments: { 'pos:opacity': 'correct' as const, 'pos:edema': 'incorrect' as const },
          note: '',
          at: '',
        },
      ],
    ]);
    expect(accuracyTable([d], j)).toEqual([
      { method: 'rules', judged: 2, correct: 1, accuracy: 0.5 },
      { method: 'llm raw', judged: 1, correct: 1, accuracy: 1 },
    ]);
  });
});

describe('review screen', () => {
  it('walks a seeded sample, survives a restart, and ends with the accuracy table and CSV', async () => {
    const run = await tempRun();
    await writeInspectorFixtures(run);
    let app = await renderApp(run, [], { initial: { screen: 'review' } });
    let frame = await waitForText(app, 'Review a seeded sample');
    expect(frame).toContain('Walk 3 of 3 reports');
    frame = await pressAndWaitFor(app, KEY.enter, 'review 1/3');
    const session = run.state.reviews.session as { ids: string[] };
    expect(session.ids).toHaveLength(3);
    const first = session.ids[0]!;
    expect(frame).toContain(first);
    // judge the first finding, go to the next report
    await pressAndWaitFor(app, 'c', /✓/);
    await pressAndWaitFor(app, KEY.right, 'review 2/3');

    // restart the app on the same run: the walk continues at report 2
    app.stdin.write('q');
    await waitForQuit(app);
    const dir = run.dir;
    await run.close();
    const reopened = await Run.open(dir);
    app = await renderApp(reopened, [], { initial: { screen: 'review' } });
    frame = await waitForText(app, 'review 2/3');
    expect(frame).toContain(session.ids[1]!);
    await pressAndWaitFor(app, KEY.left, 'review 1/3');
    await waitForText(app, /✓/);

    // walk past the end: the accuracy table
    await pressAndWaitFor(app, KEY.right, 'review 2/3');
    await pressAndWaitFor(app, KEY.right, 'review 3/3');
    frame = await pressAndWaitFor(app, KEY.right, 'review complete');
    expect(frame).toMatch(/method\s+judged\s+correct\s+accuracy/);
    expect(frame).toMatch(/100\.0%/);
    await pressAndWaitFor(app, 'w', 'wrote 1 judged findings');
    const csv = fs.readFileSync(path.join(dir, 'review', 'review.csv'), 'utf8');
    expect(csv.split('\n')[0]).toMatch(/^study_id,finding,polarity,verdict,rules,llm raw,std c0/);
    expect(csv).toContain(`${first},`);
    expect(csv).toContain(',correct,');
    expect(fs.existsSync(path.join(dir, 'review', 'review-accuracy.csv'))).toBe(true);
    await reopened.close();
  });
});
