import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { runPipeline } from '../../src/pipeline/runner/runner.js';
import type { RunnerEvent } from '../../src/pipeline/steps/contract.js';
import { planFor } from '../../src/pipeline/steps/registry.js';
import { Run } from '../../src/pipeline/store/run.js';
import { countingStep } from './helpers/fakeSteps.js';
import { KEY, plain, pressAndWaitFor, renderApp, tempRun, waitForText } from './helpers/render.js';

afterEach(() => cleanup());

const env = { confirmations: new Set<string>(), env: {} };
const steps = () => [countingStep('alpha'), countingStep('beta', ['alpha-out']), countingStep('gamma', ['beta-out'])];

/** A run whose "run all" died in alpha after 6 items, as kill -9 leaves it: alpha still `running`, the plan remembered. */
async function killedMidAlpha(): Promise<string> {
  const run = await tempRun();
  await run.update((s) => {
    s.steps.alpha = { ...s.steps.alpha!, params: { delayMs: 2 } } as never;
  });
  const abort = new AbortController();
  const onEvent = (e: RunnerEvent) => {
    if (e.type === 'step-event' && e.event.type === 'progress' && e.event.done === 6) abort.abort();
  };
  await runPipeline(run, planFor(steps()), { signal: abort.signal, env, onEvent, cycles: 2 });
  await run.update((s) => {
    s.steps.alpha!.status = 'running';
    // The user had moved to another cell before the crash.
    s.ui = { screen: 'notebook', selectedStep: 'gamma', inspectorStudy: null };
  });
  const dir = run.dir;
  await run.close();
  return dir;
}

describe('reopening after an interrupted run all', () => {
  it('selects the interrupted step with what it kept; r resumes it, then runs the rest', async () => {
    const run = await Run.open(await killedMidAlpha());
    const app = await renderApp(run, steps());
    // "of 20": the step's last reported total, kept in state when it stopped.
    let frame = plain(await waitForText(app, 'kept alpha-out=6 of 20'));
    expect(frame).toMatch(/▸\s*1 .*alpha\s+interrupted\s+kept alpha-out=6 of 20/);
    expect(frame).toContain('interrupted earlier: alpha (r resumes it, then the rest of the run)');
    expect(frame).toContain('stopped before the end; r resumes it (kept alpha-out=6 of 20)');

    frame = await pressAndWaitFor(app, 'r', /\(gamma, fresh\) done/);
    expect(frame).toContain('earlier in this run');
    expect(frame).toMatch(/alpha: 20 items/);
    expect(frame).not.toContain('interrupted earlier');
    const lines: string[] = [];
    for await (const r of run.artifact<{ study_id: string }>('alpha-out').lines()) lines.push(r.study_id);
    expect(lines).toHaveLength(20);
    expect(new Set(lines).size).toBe(20);
    expect(run.state.intent).toBeNull();
    frame = await pressAndWaitFor(app, KEY.escape, /gamma\s+done/);
    expect(frame).toMatch(/alpha\s+done\s+alpha-out=20/);
    await run.close();
  });

  it('reopened on the progress screen: the selected step, what it kept, and what r does', async () => {
    const dir = await killedMidAlpha();
    const pre = await Run.open(dir);
    await pre.update((s) => {
      s.ui = { screen: 'progress', selectedStep: 'gamma', inspectorStudy: null };
    });
    await pre.close();
    const run = await Run.open(dir);
    const app = await renderApp(run, steps());
    // The line wraps at 80 columns: compare the words.
    const frame = await waitForText(app, (f) =>
      f
        .replace(/\s+/g, ' ')
        .includes('Selected: alpha (interrupted) — kept alpha-out=6 of 20 · r resumes it, then the rest of the run.'),
    );
    expect(frame).toContain('cxrvqa · progress');
    await pressAndWaitFor(app, 'r', /\(gamma, fresh\) done/);
    expect(run.state.steps.alpha?.counts).toEqual({ 'alpha-out': 20 });
    await run.close();
  });

  it('a running step shows its live count in the notebook, not the counts of its previous run', async () => {
    const run = await tempRun();
    const app = await renderApp(run, [countingStep('alpha')]);
    await waitForText(app, 'alpha');
    await pressAndWaitFor(app, 'r', /\(alpha, fresh\) done/);
    await pressAndWaitFor(app, KEY.escape, /alpha\s+done\s+alpha-out=20/);
    await run.update((s) => {
      s.steps.alpha!.params = { delayMs: 20, total: 400 };
    });
    await app.controller.refresh();
    await pressAndWaitFor(app, 'r', '(alpha, fresh) running');
    const frame = await pressAndWaitFor(app, KEY.escape, /alpha\s+running\s+\d+\/400/);
    expect(frame).not.toContain('alpha-out=20');
    app.controller.stop();
    await app.controller.settle();
    await run.close();
  });
});
