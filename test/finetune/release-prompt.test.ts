import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { finetuneStep } from '../../src/pipeline/finetune/step.js';
import { finetuneLayout } from '../../src/pipeline/finetune/export/write.js';
import { FinetuneParamsSchema } from '../../src/pipeline/finetune/params.js';
import { trainingPromptId } from '../../src/pipeline/finetune/prompt.js';
import { loadPrompt } from '../../src/pipeline/llm/index.js';
import { modelText } from '../../src/pipeline/extract/request.js';
import { selectSections } from '../../src/pipeline/ingest/sections.js';
import { ReportRecordSchema } from '../../src/pipeline/schemas/report.js';
import { syntheticReports } from '../helpers/reports.js';
import { makeHarness, stepErrors, writeGold, type Harness } from './harness.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.cleanup();
  h = null;
});

describe('fine-tuning in release style', () => {
  it('trains with the prompt and input the release extract sends (the published short prompt, IMPRESSION: kept)', async () => {
    h = await makeHarness({ reports: 0, params: { finetune: { loggingSteps: 1 } } });
    // No FINDINGS: header: the input is the longest paragraph plus the impression, whose header release keeps.
    const reports = syntheticReports(3).map((r, i) => {
      const text = `There is a small left pleural effusion in study ${i}, and mild edema.\n\nIMPRESSION: Small effusion.`;
      return { ...r, text, selected: selectSections(text).text };
    });
    const artifact = h.run.artifact('reports', ReportRecordSchema);
    artifact.appendMany(reports);
    artifact.close();
    await h.run.update((s) => {
      s.config.style = 'release';
      s.artifacts.reports = { version: 1, count: 3, updatedAt: null };
    });
    writeGold(h.run, 3);
    expect((await h.step(finetuneStep as never)).outcome, stepErrors(h)).toBe('done');
    const ft = FinetuneParamsSchema.parse({});
    const data = JSON.parse(fs.readFileSync(finetuneLayout(h.dir, ft).datasetFile, 'utf8')) as Array<{
      system: string;
      input: string;
    }>;
    expect(data.length).toBe(3);
    expect(trainingPromptId(h.run, ft)).toBe('simple-release');
    data.forEach((r, i) => {
      expect(r.system).toBe(loadPrompt('simple-release').text);
      expect(r.input).toBe(modelText(reports[i]!, 'release'));
      expect(r.input).toContain('IMPRESSION: Small effusion.');
      expect(reports[i]!.selected).not.toContain('IMPRESSION');
    });
  });

  it('improved style keeps the simple prompt; the style enters the finetune step (a switch retrains)', async () => {
    h = await makeHarness();
    expect(trainingPromptId(h.run, FinetuneParamsSchema.parse({}))).toBe('simple');
    expect(finetuneStep.usesStyle).toBe(true);
  });
});
