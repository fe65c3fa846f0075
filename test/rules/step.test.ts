import { afterEach, describe, expect, it } from 'vitest';
import { referenceStep, ReferenceParamsSchema } from '../../src/pipeline/rules/step.js';
import { STEPS } from '../../src/pipeline/steps/registry.js';
import type { StepEvent } from '../../src/pipeline/steps/contract.js';
import { Run } from '../../src/pipeline/store/run.js';
import { ReferenceRecordSchema, type ReferenceRecord } from '../../src/pipeline/schemas/reference.js';
import type { ReportRecord } from '../../src/pipeline/schemas/report.js';
import { makeTempDir } from '../helpers/tmp.js';

function report(id: string, text: string): ReportRecord {
  const off = Math.max(0, text.indexOf('FINDINGS:'));
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
    selected: text.slice(off),
    rule_text: text.slice(off),
    selected_offset: off,
    rule_offset: off,
    extra: {},
  };
}

let cleanup: (() => void) | null = null;
afterEach(() => cleanup?.());

async function runStep(run: Run, mode: 'fresh' | 'resume', events: StepEvent[] = []) {
  return referenceStep.run({
    run,
    params: ReferenceParamsSchema.parse({}),
    mode,
    signal: new AbortController().signal,
    env: { confirmations: new Set(), env: {} },
    emit: (e) => events.push(e),
  });
}

describe('reference step', () => {
  it('is registered right after ingest', () => {
    const ids = STEPS.map((s) => s.id);
    expect(ids.indexOf('reference')).toBe(ids.indexOf('ingest') + 1);
  });

  it('writes one record per study, counts them, and resumes by study id', async () => {
    const tmp = makeTempDir();
    cleanup = tmp.cleanup;
    const run = await Run.open(tmp.dir, { create: true });
    try {
      const reports = run.artifact<ReportRecord>('reports');
      reports.appendMany([
        report('1', 'HISTORY: cough.\nFINDINGS: Small left pleural effusion. No pneumothorax.'),
        report('2', 'FINDINGS: Lungs are clear. No effusion.'),
      ]);
      reports.close();
      const events: StepEvent[] = [];
      const first = await runStep(run, 'fresh', events);
      expect(first.counts).toMatchObject({ studies: 2, with_findings: 1, entities: 1, negatives: 2, reference: 2 });
      expect(events.some((e) => e.type === 'progress')).toBe(true);

      const out = run.artifact<ReferenceRecord>('reference', ReferenceRecordSchema);
      const map = await out.readMap();
      const r1 = map.get('1')!;
      const text = report('1', 'HISTORY: cough.\nFINDINGS: Small left pleural effusion. No pneumothorax.').text;
      const ev = r1.entity['pleural effusion']!.evidence[0]!;
      expect(text.slice(ev.start, ev.end)).toBe('pleural effusion');

      reports.append(report('3', 'FINDINGS: Mild cardiomegaly.'));
      reports.close();
      const second = await runStep(run, 'resume');
      expect(second.counts).toMatchObject({ studies: 1, resumed: 2, reference: 3 });
      const lines: string[] = [];
      for await (const r of out.lines()) lines.push(r.study_id);
      expect(lines).toEqual(['1', '2', '3']);
    } finally {
      await run.close();
    }
  });
});
