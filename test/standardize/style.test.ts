import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyParams } from '../../src/pipeline/runner/configure.js';
import { runStep } from '../../src/pipeline/runner/runner.js';
import type { ExtractionResult } from '../../src/pipeline/schemas/extraction.js';
import type { Style } from '../../src/pipeline/schemas/style.js';
import { StandardizedRowSchema, type StandardizedRow } from '../../src/pipeline/standardize/input.js';
import { standardizeStep } from '../../src/pipeline/standardize/step.js';
import type { AnyStep, RunnerEvent } from '../../src/pipeline/steps/contract.js';
import { Run } from '../../src/pipeline/store/run.js';
import { makeTempDir } from '../helpers/tmp.js';

let tmp: ReturnType<typeof makeTempDir> | null = null;
afterEach(() => tmp?.cleanup());

const step = standardizeStep as unknown as AnyStep;

async function standardize(keyinfo: unknown, style: Style, reviewed?: Record<string, string>) {
  tmp = makeTempDir();
  const run = await Run.open(tmp.dir, { create: true });
  await run.update((s) => void (s.config.style = style));
  const raw = run.artifact<ExtractionResult>('raw');
  raw.append({ study_id: 's1', status: 'ok', keyinfo, backend: 'llm' });
  raw.close();
  if (reviewed) {
    const dir = path.join(tmp.dir, 'reviewed');
    fs.mkdirSync(dir);
    for (const [file, text] of Object.entries(reviewed)) fs.writeFileSync(path.join(dir, file), text);
    await applyParams(run, [step], { standardize: { reviewedTermsDir: dir } });
  }
  const events: RunnerEvent[] = [];
  const outcome = await runStep(run, step, {
    signal: new AbortController().signal,
    env: { confirmations: new Set(), env: {} },
    onEvent: (e) => events.push(e),
  });
  expect(outcome).toBe('done');
  const rows: StandardizedRow[] = [];
  for await (const r of run.artifact<StandardizedRow>('standardized', StandardizedRowSchema).lines()) rows.push(r);
  await run.close();
  return { row: rows[0]!, events };
}

describe('standardize by style', () => {
  it('a list-valued attribute is joined with ", " in improved and "," in release', async () => {
    const keyinfo = { entity: { atelectasis: { location: ['left base', 'right apex'], level: 'mild' } } };
    const improved = await standardize(keyinfo, 'improved');
    expect(improved.row.keyinfo.entity['atelectasis']?.location).toBe('left base, right apex');
    const release = await standardize(keyinfo, 'release');
    expect(release.row.keyinfo.entity['atelectasis']?.location).toBe('left base,right apex');
  });

  it('reviewer comments: "Not OK" rejects, "OK - keep" keeps, and an unclear comment is named in a warning', async () => {
    const { row, events } = await standardize(
      { entity: { widget: {}, edema: {}, effusion: {}, nodule: {} } },
      'release',
      {
        'entity_dict_checked.csv': 'Term,Comment\nwidget,ok?\nedema,Not OK\neffusion,OK - keep\nnodule,\n',
      },
    );
    expect(Object.keys(row.keyinfo.entity).sort()).toEqual(['effusion', 'nodule']);
    const warnings = events.flatMap((e) =>
      e.type === 'step-event' && e.event.type === 'log' && e.event.level === 'warn' ? [e.event.message] : [],
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('entity_dict_checked.csv: "widget" ("ok?")');
    expect(warnings[0]).not.toContain('edema');
  });
});
