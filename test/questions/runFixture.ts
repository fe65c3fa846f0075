import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Run } from '../../src/pipeline/store/run.js';
import { attrs, ki, rec } from './fixtures.js';
import { StepStateSchema } from '../../src/pipeline/schemas/state.js';

/** A run with reports (metadata only matters here) and standardized records written by hand. */
export async function makeRun(dirs: string[], n = 40): Promise<Run> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cxrvqa-q-'));
  dirs.push(dir);
  const run = await Run.open(dir, { create: true });
  const reports = run.artifact<{ study_id: string }>('reports');
  const std = run.artifact<{ study_id: string }>('standardized');
  for (let i = 0; i < n; i++) {
    const id = String(50000000 + i);
    reports.append({
      study_id: id,
      subject_id: String(10000000 + Math.floor(i / 4)),
      dicom_id: `dcm-${i}`,
      view: i % 4 === 3 ? 'lateral' : i % 4 === 2 ? 'antero-posterior' : 'postero-anterior',
      study_order: (i % 4) + 1,
      study_date: `2150-0${(i % 4) + 1}-01`,
      split: i < 20 ? 'train' : 'test',
      source: `files/p10/p${10000000 + Math.floor(i / 4)}/s${id}.txt`,
      text: 'FINDINGS: synthetic.',
      selected: 'synthetic.',
      rule_text: 'synthetic.',
      extra: {},
    } as { study_id: string });
    const entity: Record<string, ReturnType<typeof attrs>> = i % 2
      ? { 'pleural effusion': attrs('left', 'small', 'layering') }
      : { edema: attrs('bilateral', 'mild', null) };
    std.append(rec(id, ki(entity, ['pneumothorax']), 1) as { study_id: string });
  }
  // A later cycle rewrote one record: the last line per study is the current one.
  std.append(
    rec('50000000', ki({ atelectasis: attrs('right lower lobe', 'moderate', null) }), 2) as { study_id: string },
  );
  reports.close();
  std.close();
  await run.update((s) => {
    s.steps.questions = StepStateSchema.parse({
      status: 'not_run',
      params: { difference: true, filterLowFreq: false },
    });
  });
  return run;
}
