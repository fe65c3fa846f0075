import { afterEach, describe, expect, it } from 'vitest';
import { keptOutputs } from '../../src/pipeline/runner/kept.js';
import { runPipeline } from '../../src/pipeline/runner/runner.js';
import type { RunnerEvent } from '../../src/pipeline/steps/contract.js';
import { planFor } from '../../src/pipeline/steps/registry.js';
import { Run } from '../../src/pipeline/store/run.js';
import { makeTempDir } from '../helpers/tmp.js';
import { countingStep } from '../ui/helpers/fakeSteps.js';

let tmp: ReturnType<typeof makeTempDir>;
afterEach(() => tmp?.cleanup());
const env = { confirmations: new Set<string>(), env: {} };

describe('the plan run remembered in the run state (intent)', () => {
  it('stays after a stop (with the cycles asked for), and is cleared when the plan ends done', async () => {
    tmp = makeTempDir();
    const run = await Run.open(tmp.dir, { create: true });
    const a = countingStep('alpha');
    const b = countingStep('beta', ['alpha-out']);
    await run.update((s) => {
      s.steps.alpha = { ...s.steps.alpha!, params: { delayMs: 5 } } as never;
    });
    const abort = new AbortController();
    const onEvent = (e: RunnerEvent) => {
      if (e.type === 'step-event' && e.event.type === 'progress' && e.event.done === 6) abort.abort();
    };
    expect(await runPipeline(run, planFor([a, b]), { signal: abort.signal, env, onEvent, cycles: 3 })).toBe(
      'interrupted',
    );
    expect(run.state.intent).toMatchObject({ kind: 'plan', cycles: 3 });
    expect(run.state.steps.alpha?.status).toBe('interrupted');
    // The state's counts are written only when a step finishes; what was kept is read from the files.
    expect(await keptOutputs(run, a)).toEqual({ 'alpha-out': 6 });
    expect(await keptOutputs(run, b)).toEqual({});

    // The intent survives reopening (a dead process leaves it the same way).
    await run.close();
    const again = await Run.open(tmp.dir);
    expect(again.state.intent).toMatchObject({ kind: 'plan', cycles: 3 });
    expect(await runPipeline(again, planFor([a, b]), { signal: new AbortController().signal, env })).toBe('done');
    expect(again.state.intent).toBeNull();
    await again.close();
  });
});
