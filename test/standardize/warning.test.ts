import { afterEach, describe, expect, it } from 'vitest';
import { runStep } from '../../src/pipeline/runner/runner.js';
import { displayStatus } from '../../src/pipeline/runner/status.js';
import type { ExtractionResult } from '../../src/pipeline/schemas/extraction.js';
import { standardizeStep } from '../../src/pipeline/standardize/step.js';
import type { AnyStep } from '../../src/pipeline/steps/contract.js';
import { Run } from '../../src/pipeline/store/run.js';
import { makeTempDir } from '../helpers/tmp.js';

let tmp: ReturnType<typeof makeTempDir>;
afterEach(() => tmp?.cleanup());

const step = standardizeStep as unknown as AnyStep;
const env = { confirmations: new Set<string>(), env: {}, cycle: 0 };

async function standardize(rows: ExtractionResult[]): Promise<Run> {
  tmp = makeTempDir();
  const run = await Run.open(tmp.dir, { create: true });
  const raw = run.artifact<ExtractionResult>('raw');
  raw.appendMany(rows);
  raw.close();
  expect(await runStep(run, step, { signal: new AbortController().signal, env })).toBe('done');
  return run;
}

describe('standardize: >0 extraction results, 0 standardized', () => {
  it('ends in the warning state with the reason and where to look', async () => {
    const run = await standardize([
      { study_id: 's1', status: 'parse_error', keyinfo: null, raw_text: '{oops', backend: 'llm' },
      { study_id: 's2', status: 'failed', keyinfo: null, reason: 'timeout', backend: 'llm' },
    ]);
    try {
      expect(displayStatus(run, step)).toBe('warning');
      expect(run.state.steps.standardize!.warning).toMatch(
        /^0 standardized records from 2 extraction results; skipped 2 \(.*\)\. Fix: .*extract step/,
      );
    } finally {
      await run.close();
    }
  });

  it('one usable record is a plain done', async () => {
    const run = await standardize([
      { study_id: 's1', status: 'ok', keyinfo: { entity: { atelectasis: {} } }, backend: 'llm' },
      { study_id: 's2', status: 'failed', keyinfo: null, reason: 'timeout', backend: 'llm' },
    ]);
    try {
      expect(displayStatus(run, step)).toBe('done');
      expect(run.state.steps.standardize!.warning).toBeNull();
    } finally {
      await run.close();
    }
  });
});
