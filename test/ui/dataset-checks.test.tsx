import fs from 'node:fs';
import path from 'node:path';
import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { biasReport } from '../../src/pipeline/dataset/bias.js';
import { CHECK_RULES, type CheckReport } from '../../src/pipeline/dataset/check.js';
import type { QaPair } from '../../src/pipeline/questions/schema.js';
import { writeInspectorFixtures } from './helpers/fixtures.js';
import { renderApp, tempRun, waitForText } from './helpers/render.js';

afterEach(() => cleanup());

async function pairsOf(file: string): Promise<QaPair[]> {
  return fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as QaPair);
}

describe('dataset view: checks', () => {
  it('says the dataset is not checked yet, then shows violations and the bias table once the check step wrote them', async () => {
    const run = await tempRun();
    await writeInspectorFixtures(run);
    let app = await renderApp(run, [], { initial: { screen: 'dataset' } });
    await waitForText(app, 'not checked yet: run the check step');
    cleanup();

    const pairs = await pairsOf(run.artifactPath('questions'));
    const by_rule = Object.fromEntries(
      CHECK_RULES.map((r) => [r, { count: 0, examples: [] }]),
    ) as unknown as CheckReport['by_rule'];
    by_rule.level = {
      count: 1,
      examples: [
        {
          qa_id: 'x',
          study_id: pairs[0]!.study_id,
          question: 'what level is the edema?',
          answer: 'huge',
          detail: 'KeyInfo level is mild',
        },
      ],
    };
    const dir = path.join(run.dir, 'dataset');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'check.json'), JSON.stringify({ pairs: pairs.length, violations: 1, by_rule }));
    fs.writeFileSync(path.join(dir, 'bias.json'), JSON.stringify(biasReport(pairs)));
    app = await renderApp(run, [], { initial: { screen: 'dataset' } });
    const frame = await waitForText(app, `consistency: 1 violations in ${pairs.length} pairs`);
    expect(frame).toMatch(/type\s+pairs\s+yes\s+entropy\s+by tmpl\s+by text\s+flag/);
    expect(frame).toMatch(/presence\s+\d+\s+[\d.]+%\s+[\d.]+/);
    await run.close();
  });
});
