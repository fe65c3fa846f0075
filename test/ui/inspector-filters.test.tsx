import { describe, expect, it } from 'vitest';
import { StudyIndex } from '../../src/pipeline/inspect/studyIndex.js';
import { findingRows, rowDiffers } from '../../src/ui/inspector/StudyView.js';
import { writeInspectorFixtures } from './helpers/fixtures.js';
import { tempRun } from './helpers/render.js';

type Row = { study_id: string } & Record<string, unknown>;

/** The studies whose KeyInfo pane shows `≠` on some row, computed the way the pane does. */
function showingDiff(idx: StudyIndex): string[] {
  return idx.order.filter((id) => {
    const d = idx.load(id);
    return findingRows(d).some((f) => rowDiffers(d, f.key));
  });
}

describe('the inspector list', () => {
  it('finds by study id prefix, not by any part of the id', async () => {
    const run = await tempRun();
    await writeInspectorFixtures(run);
    const idx = await StudyIndex.build(run);
    expect(idx.search('s1', { kind: 'all' })).toEqual(['s100']);
    // "00" is inside every id but starts none of them.
    expect(idx.search('00', { kind: 'all' })).toEqual([]);
    // Finding names still match anywhere in the name.
    expect(idx.search('ffusion', { kind: 'all' })).toEqual(['s100', 's200']);
    await run.close();
  });

  it('accepts a leading s before bare numeric ids (MIMIC ids are stored without it)', async () => {
    const run = await tempRun();
    run
      .artifact<Row>('reference')
      .appendMany(['50414267', '51000000'].map((study_id) => ({ study_id, entity: {}, no_entity: [] })));
    run.artifact('reference').close();
    const idx = await StudyIndex.build(run);
    expect(idx.search('s504', { kind: 'all' })).toEqual(['50414267']);
    expect(idx.search('504', { kind: 'all' })).toEqual(['50414267']);
    expect(idx.search('0414', { kind: 'all' })).toEqual([]);
    await run.close();
  });

  it('the "disagrees" filter finds exactly the studies that show ≠', async () => {
    const run = await tempRun();
    await writeInspectorFixtures(run);
    const ref = (id: string, entity: Record<string, unknown>, no_entity: string[] = []) => ({
      study_id: id,
      subject_id: 'p9',
      entity,
      no_entity,
      uncertain_entity: [],
    });
    run.artifact<Row>('reports').appendMany(['n1', 'n2', 'n3', 'n4'].map((study_id) => ({ study_id })));
    run
      .artifact<Row>('reference')
      .appendMany([
        ref('n1', { cardiomegaly: { location: [], level: [], type: [] } }, ['pneumothorax']),
        ref('n2', { opacity: { location: ['left'], level: [], type: [] } }),
        ref('n3', { edema: { location: [], level: [], type: [] } }),
        ref('n4', { edema: { location: [], level: [], type: [] } }),
      ]);
    run.artifact<Row>('raw').appendMany([
      // n1: the model leaves out the reference's negative: the "- pneumothorax" row shows ≠.
      { study_id: 'n1', status: 'ok', backend: 'llm', keyinfo: { entity: { cardiomegaly: {} } } },
      // n2: same finding, other side: the attributes differ, so the row shows ≠.
      { study_id: 'n2', status: 'ok', backend: 'llm', keyinfo: { entity: { opacity: { location: 'right' } } } },
      // n3: the request failed: the raw column is "n/a", only the reference has findings: no ≠.
      { study_id: 'n3', status: 'failed', backend: 'llm', keyinfo: null, reason: 'server: 503' },
      // n4: an older extraction differed, the last line (the one shown) agrees: no ≠.
      { study_id: 'n4', status: 'ok', backend: 'llm', keyinfo: { entity: { nodule: {} } } },
      { study_id: 'n4', status: 'ok', backend: 'llm', keyinfo: { entity: { edema: {} } } },
    ]);
    for (const n of ['reports', 'reference', 'raw']) run.artifact(n).close();
    const idx = await StudyIndex.build(run);
    const shown = showingDiff(idx);
    expect(shown).toEqual(expect.arrayContaining(['n1', 'n2']));
    expect(shown).not.toContain('n3');
    expect(shown).not.toContain('n4');
    expect(idx.search('', { kind: 'disagrees' })).toEqual(shown);
    await run.close();
  });
});
