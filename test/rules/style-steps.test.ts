import { afterEach, describe, expect, it } from 'vitest';
import { modelText } from '../../src/pipeline/extract/request.js';
import { extractStep } from '../../src/pipeline/extract/step.js';
import { selectSections } from '../../src/pipeline/ingest/sections.js';
import { followupStep } from '../../src/pipeline/followup/step.js';
import { BUILTIN_PROMPTS, loadPrompt, promptForStyle } from '../../src/pipeline/llm/prompts.js';
import { referenceStep, ReferenceParamsSchema } from '../../src/pipeline/rules/step.js';
import { stepFingerprint } from '../../src/pipeline/runner/status.js';
import { ReferenceRecordSchema, type ReferenceRecord } from '../../src/pipeline/schemas/reference.js';
import type { ReportRecord } from '../../src/pipeline/schemas/report.js';
import { standardizeStep } from '../../src/pipeline/standardize/step.js';
import { Run } from '../../src/pipeline/store/run.js';
import { makeTempDir } from '../helpers/tmp.js';

let cleanup: (() => void) | null = null;
afterEach(() => cleanup?.());

async function openRun(): Promise<Run> {
  const tmp = makeTempDir();
  const run = await Run.open(tmp.dir, { create: true });
  cleanup = () => {
    void run.close();
    tmp.cleanup();
  };
  return run;
}

function report(id: string, text: string): ReportRecord {
  return {
    study_id: id,
    subject_id: 'p1',
    dicom_id: null,
    view: null,
    study_order: null,
    study_date: null,
    split: null,
    source: `t:${id}`,
    text,
    selected: text,
    rule_text: text,
    selected_offset: 0,
    rule_offset: 0,
    extra: {},
  };
}

describe('the style in the steps that use it', () => {
  it('changes the fingerprint of reference, extract, standardize and follow-up; improved adds nothing', async () => {
    const run = await openRun();
    for (const step of [referenceStep, extractStep, standardizeStep, followupStep]) {
      const unset = stepFingerprint(run, step);
      await run.update((s) => void (s.config.style = 'improved'));
      const improved = stepFingerprint(run, step);
      expect(improved, step.id).toBe(unset);
      await run.update((s) => void (s.config.style = 'release'));
      expect(stepFingerprint(run, step), step.id).not.toBe(improved);
      await run.update((s) => void (s.config.style = 'improved'));
    }
  });

  it('the reference step reads the run style', async () => {
    const run = await openRun();
    await run.update((s) => void (s.config.style = 'release'));
    const reports = run.artifact<ReportRecord>('reports');
    reports.append(report('1', 'FINDINGS: There is bullous emphysema.'));
    reports.close();
    await referenceStep.run({
      run,
      params: ReferenceParamsSchema.parse({}),
      mode: 'fresh',
      signal: new AbortController().signal,
      env: { confirmations: new Set(), env: {} },
      emit: () => {},
    });
    const map = await run.artifact<ReferenceRecord>('reference', ReferenceRecordSchema).readMap();
    expect(Object.keys(map.get('1')!.entity)).toEqual(['emphysema']);
  });

  it('release swaps the simple prompt for its short form; full and files are kept', () => {
    expect(promptForStyle('simple', 'improved')).toBe('simple');
    expect(promptForStyle('simple', 'release')).toBe('simple-release');
    expect(promptForStyle('full', 'release')).toBe('full');
    expect(promptForStyle('/x/p.txt', 'release')).toBe('/x/p.txt');
    const short = loadPrompt('simple-release');
    expect(Object.keys(BUILTIN_PROMPTS)).toContain('simple-release');
    for (const key of ['opacity_vs_clear', 'entity', 'uncertain_entity', 'no_entity'])
      expect(short.text).toContain(key);
    expect(short.text.length).toBeLessThan(loadPrompt('simple').text.length);
  });

  it('the model reads the impression with its header in release (selected again from the report)', () => {
    const text = 'The lungs are hyperinflated but clear of any focal opacity.\n\nIMPRESSION: Emphysema.';
    const r = { text, selected: selectSections(text).text };
    expect(modelText(r)).not.toContain('IMPRESSION');
    expect(modelText(r, 'improved')).toBe(r.selected);
    expect(modelText(r, 'release')).toContain('\nIMPRESSION: Emphysema.');
  });
});
