import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { applyParams } from '../../src/pipeline/runner/configure.js';
import { runPipeline } from '../../src/pipeline/runner/runner.js';
import { displayStatus, stepWarnings } from '../../src/pipeline/runner/status.js';
import { type AnyStep, type RunnerEvent, type Step, zeroOutputWarning } from '../../src/pipeline/steps/contract.js';
import { Run } from '../../src/pipeline/store/run.js';
import { countingStep } from '../helpers/fakeSteps.js';
import { makeTempDir } from '../helpers/tmp.js';

let tmp: ReturnType<typeof makeTempDir>;
afterEach(() => tmp?.cleanup());

const env = { confirmations: new Set<string>(), env: {} };

/** Reads `counted`, keeps the keys below `keepBelow`: 0 keeps nothing. */
function filterStep() {
  const params = z.object({ keepBelow: z.number().default(0) });
  const step: Step<typeof params> = {
    id: 'filter',
    title: 'Filter',
    description: 'test step',
    params,
    reads: ['counted'],
    writes: ['kept'],
    async run(ctx) {
      const input = await ctx.run.artifact<{ study_id: string }>('counted').readMap();
      const out = ctx.run.artifact<{ study_id: string }>('kept');
      let kept = 0;
      for (const key of input.keys())
        if (Number(key) < ctx.params.keepBelow) {
          out.append({ study_id: key });
          kept++;
        }
      out.close();
      return {
        counts: { kept },
        summary: `${kept} kept`,
        warning: zeroOutputWarning(input.size, kept, `0 kept of ${input.size}`, 'raise filter.keepBelow'),
      };
    },
  };
  return step as unknown as AnyStep;
}

describe('runner: a step that turns >0 inputs into 0 outputs', () => {
  it('ends in the warning state, the steps after it are reported skipped, and the fix clears it', async () => {
    tmp = makeTempDir();
    const run = await Run.open(tmp.dir, { create: true });
    try {
      const count = countingStep({ n: 3 }).step as AnyStep;
      const filter = filterStep();
      const after = countingStep({ id: 'after', reads: ['kept'], writes: ['after'] });
      const plan = [count, filter, after.step as AnyStep];
      const events: RunnerEvent[] = [];
      expect(
        await runPipeline(run, plan, { signal: new AbortController().signal, env, onEvent: (e) => events.push(e) }),
      ).toBe('done');
      expect(displayStatus(run, filter)).toBe('warning');
      expect(run.state.steps.filter!.warning).toBe('0 kept of 3. Fix: raise filter.keepBelow');
      expect(stepWarnings(run, plan)).toEqual([
        { stepId: 'filter', warning: '0 kept of 3. Fix: raise filter.keepBelow' },
      ]);
      expect(after.seen).toHaveLength(0);
      expect(
        events.filter((e) => e.type === 'step-end').map((e) => [e.stepId, e.type === 'step-end' && e.status]),
      ).toEqual([
        ['count', 'done'],
        ['filter', 'done'],
        ['after', 'skipped'],
      ]);

      await applyParams(run, [filter], { filter: { keepBelow: 2 } });
      expect(displayStatus(run, filter)).toBe('stale');
      await runPipeline(run, plan, { signal: new AbortController().signal, env });
      expect(displayStatus(run, filter)).toBe('done');
      expect(run.state.steps.filter!.warning).toBeNull();
      expect(after.seen.length).toBeGreaterThan(0);
    } finally {
      await run.close();
    }
  });

  it('0 inputs giving 0 outputs is no warning (nothing was lost)', () => {
    expect(zeroOutputWarning(0, 0, 'x', 'y')).toBeNull();
    expect(zeroOutputWarning(5, 1, 'x', 'y')).toBeNull();
    expect(zeroOutputWarning(5, 0, 'x', 'y')).toBe('x. Fix: y');
  });
});
