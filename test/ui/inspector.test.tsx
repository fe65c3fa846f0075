import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { StudyIndex } from '../../src/pipeline/inspect/studyIndex.js';
import { fromKeyInfo, fromReference } from '../../src/pipeline/inspect/findings.js';
import { layoutLines, segments } from '../../src/ui/inspector/highlight.js';
import { writeInspectorFixtures } from './helpers/fixtures.js';
import { KEY, pressAndWaitFor, renderApp, tempRun, typeText, waitForText } from './helpers/render.js';

afterEach(() => cleanup());

describe('study index', () => {
  it('finds reports by id, by finding and by filter', async () => {
    const run = await tempRun();
    await writeInspectorFixtures(run);
    const idx = await StudyIndex.build(run);
    expect(idx.order).toEqual(['s100', 's200', 's300']);
    expect(idx.search('s2', { kind: 'all' })).toEqual(['s200']);
    expect(idx.search('effusion', { kind: 'all' })).toEqual(['s100', 's200']);
    expect(idx.search('', { kind: 'changed', cycle: 1 })).toEqual(['s100']);
    expect(idx.search('', { kind: 'changed', cycle: 0 })).toEqual(['s100']);
    expect(idx.search('', { kind: 'parse-failed' })).toEqual(['s300']);
    expect(idx.search('', { kind: 'disagrees' })).toEqual(['s100']);
    const d = idx.load('s100');
    expect(d.stages.map((s) => s.label)).toEqual(['rules', 'llm raw', 'std c0', 'fu c1', 'std c1']);
    expect(d.questions).toHaveLength(2);
    await run.close();
  });

  it('counts a record a follow-up answer changed as changed in that cycle', async () => {
    const run = await tempRun();
    await writeInspectorFixtures(run);
    // s200: follow-up cycle 2 changed the record, standardization of cycle 2 did not
    run.artifact<{ study_id: string } & Record<string, unknown>>('followup').appendMany([
      {
        study_id: 's200',
        cycle: 2,
        keyinfo: {
          opacity_vs_clear: {},
          entity: { cardiomegaly: {} },
          uncertain_entity: {},
          no_entity: ['pneumothorax'],
        },
        asked: 1,
        applied: 1,
        parse_failures: 0,
        dropped: 0,
        failed: 0,
      },
      {
        study_id: 's300',
        cycle: 2,
        keyinfo: { opacity_vs_clear: {}, entity: {}, uncertain_entity: {}, no_entity: ['pneumothorax'] },
        asked: 1,
        applied: 0,
        parse_failures: 0,
        dropped: 0,
        failed: 0,
      },
    ]);
    run.artifact('followup').close();
    const idx = await StudyIndex.build(run);
    expect(idx.cycles).toContain(2);
    expect(idx.search('', { kind: 'changed', cycle: 2 })).toEqual(['s200']);
    expect(idx.search('', { kind: 'changed', cycle: 1 })).toEqual(['s100']);
    await run.close();
  });

  it('reads findings from the reference and from lenient model output', () => {
    expect(
      fromReference({ entity: { opacity: { location: ['left'], level: ['mild'] } }, no_entity: ['effusion'] }).map(
        (f) => f.key,
      ),
    ).toEqual(['pos:opacity', 'neg:effusion']);
    const f = fromKeyInfo({
      entity: ['Edema'],
      opacity_vs_clear: { clear: {} },
      uncertain_entity: 'nodule',
      no_entity: { x: 1 },
    });
    expect(f.map((x) => x.key)).toEqual(['pos:edema', 'unc:nodule', 'neg:opacity', 'neg:x']);
    expect(fromKeyInfo(null)).toEqual([]);
  });

  it('splits text into highlighted runs and wrapped lines', () => {
    const text = 'aaa bbb ccc';
    expect(
      segments(text, 0, 11, [
        { start: 4, end: 7, kind: 'evidence' },
        { start: 0, end: 11, kind: 'selected' },
      ]).map((s) => [s.text, s.evidence, s.selected]),
    ).toEqual([
      ['aaa ', false, true],
      ['bbb', true, true],
      [' ccc', false, true],
    ]);
    expect(layoutLines('one two three four five six seven eight nine ten eleven\nx', 20).length).toBeGreaterThanOrEqual(
      4,
    );
  });
});

describe('inspector screen', () => {
  it('searches, filters, opens a report and shows text, KeyInfo per stage and QA pairs', async () => {
    const run = await tempRun();
    await writeInspectorFixtures(run);
    const app = await renderApp(run, [], { initial: { screen: 'inspector' } });
    let frame = await waitForText(app, '3 of 3 reports');
    expect(frame).toContain('s300');
    expect(frame).toContain('[parse-failed]');

    await pressAndWaitFor(app, '/', 'find: ▌');
    await typeText(app, 'cardio');
    frame = await waitForText(app, '1 of 3 reports');
    expect(frame).toContain('s200');
    await pressAndWaitFor(app, KEY.enter, (f) => f.includes('find: cardio') && !f.includes('cardio▌'));
    await pressAndWaitFor(app, '/', 'find: cardio▌');
    await typeText(app, KEY.backspace.repeat(6));
    await pressAndWaitFor(app, KEY.enter, (f) => f.includes('3 of 3 reports') && f.includes('(/ to search'));

    await pressAndWaitFor(app, 'f', 'changed in cycle 0');
    frame = await pressAndWaitFor(app, 'f', 'changed in cycle 1');
    expect(frame).toContain('1 of 3 reports');
    await pressAndWaitFor(app, 'f', 'disagrees (≠: the stages differ)');
    frame = await pressAndWaitFor(app, 'f', 'parse failed');
    expect(frame).toContain('s300');
    await pressAndWaitFor(app, 'f', 'filter: all');

    // open s100: the KeyInfo pane compares every stage and marks differences
    frame = await pressAndWaitFor(app, KEY.enter, /finding\s+rules\s+llm raw\s+std c0\s+fu c1\s+std c1/);
    expect(frame).toMatch(/≠▸ \+ atelectasis\s+·\s+\+\s+\+\s+n\/a\s+·/);
    expect(frame).toMatch(/≠ {2}\+ opacity\s+\+\s+\+\s+\+\s+n\/a\s+\+/);
    expect(frame).toMatch(/≠ {2}\? atelectasis\s+·\s+·\s+·\s+n\/a\s+\?/);
    expect(frame).toMatch(/ {3}- pleural effusion\s+-\s+-\s+-\s+n\/a\s+-/);
    expect(frame).toContain('rules: absent | llm raw: left basilar | std c0: left lower lobe');
    expect(frame).toContain('llm raw: ok');
    // The open study is remembered so reopening the run restores it.
    await vi.waitFor(() => expect(run.state.ui).toMatchObject({ inspectorStudy: 's100' }), { timeout: 5000 });

    // judge: c marks the selected finding correct, stored in the reviews artifact
    await pressAndWaitFor(app, 'c', /\+ atelectasis.*✓/);
    const saved = await run.artifact<{ study_id: string; judgments: Record<string, string> }>('reviews').readMap();
    expect(saved.get('s100')?.judgments).toEqual({ 'pos:atelectasis': 'correct' });
    frame = await pressAndWaitFor(app, [KEY.down, 'x'], /\+ opacity.*✗/);
    expect(frame).toContain('rules: left basilar · mild | llm raw: left basilar · mild');

    // note
    await pressAndWaitFor(app, 'n', 'note: ▌');
    await typeText(app, 'location wording differs');
    await pressAndWaitFor(app, KEY.enter, 'note: location wording differs');
    expect((await run.artifact<{ study_id: string; note: string }>('reviews').readMap()).get('s100')?.note).toBe(
      'location wording differs',
    );

    // QA pane with provenance
    frame = await pressAndWaitFor(app, KEY.tab, 'provenance');
    expect(frame).toContain('[presence] is there evidence of opacity in this image? → yes');
    expect(frame).toContain('provenance: {"entities":["opacity"],"source_cycle":1');
    // text pane: report text with the legend for highlighting
    frame = await pressAndWaitFor(app, KEY.tab, 'selected section');
    expect(frame).toContain('FINDINGS: Mild left basilar opacity.');

    // history: standardization changes and follow-up questions per cycle
    frame = await pressAndWaitFor(app, KEY.tab, 'standardize c0: 1 change');
    expect(frame).toContain('location: left basilar → left lower lobe');
    expect(frame).toContain('standardize c1: 1 change');
    expect(frame).toContain('follow-up c1 [applied] Is there atelectasis in the left lower lobe?');

    // re-run is disabled with a reason
    await pressAndWaitFor(app, 'e', 're-run unavailable');
    // Esc back to the list
    await pressAndWaitFor(app, KEY.escape, '3 of 3 reports');
    await run.close();
  });

  it('keeps the reference column when a narrow terminal leaves room for only some stages', async () => {
    const run = await tempRun();
    await writeInspectorFixtures(run);
    const app = await renderApp(run, [], { initial: { screen: 'inspector' }, columns: 60, rows: 20 });
    await waitForText(app, '3 of 3 reports');
    // room for three stage columns: the reference and the two latest
    const frame = await pressAndWaitFor(app, KEY.enter, /finding\s+rules\s+fu c1\s+std c1\s+ok/);
    expect(frame).toMatch(/≠ {2}\+ opacity\s+\+\s+n\/a\s+\+/);
    await run.close();
  });

  it('says so when nothing has been ingested', async () => {
    const run = await tempRun();
    const app = await renderApp(run, [], { initial: { screen: 'inspector' } });
    await waitForText(app, 'No reports yet');
    await run.close();
  });
});
