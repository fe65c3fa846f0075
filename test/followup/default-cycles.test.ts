import { afterEach, describe, expect, it } from 'vitest';
import { runHeadless, type RunFlags } from '../../src/cli/commands/run.js';
import { DEFAULT_CYCLES } from '../../src/pipeline/followup/cycles.js';
import { followupStep } from '../../src/pipeline/followup/step.js';
import { standardizeStep } from '../../src/pipeline/standardize/step.js';
import type { AnyStep } from '../../src/pipeline/steps/contract.js';
import { Run } from '../../src/pipeline/store/run.js';
import { AppController } from '../../src/ui/state/controller.js';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server.js';
import { addAsked, env, makeRun, readAsk } from './fixtures.js';

let server: LoopbackServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

/** Cycles finished in the run folder, read back from its state. */
async function finishedCycles(dir: string): Promise<number[]> {
  const run = await Run.open(dir, { readOnly: true });
  return run.state.cycles.filter((c) => c.finishedAt !== null).map((c) => c.cycle);
}

describe('the default number of follow-up cycles', () => {
  it('is the same from `cxrvqa run` without --cycles and from the app\'s "run all"', async () => {
    server = await startLoopbackServer({ respond: (req) => addAsked(readAsk(req)!) });
    const studies = [{ refPositives: ['edema'] }, { refNegatives: ['pneumothorax'] }];

    const headless = await makeRun(studies, server.url);
    await headless.run.close();
    const lines: string[] = [];
    const code = await runHeadless({ run: headless.dir, steps: 'standardize,followup' } as RunFlags, (l) =>
      lines.push(l),
    );
    expect(code, lines.join('\n')).toBe(0);

    const app = await makeRun(studies, server.url);
    const controller = new AppController(
      app.run,
      [standardizeStep as unknown as AnyStep, followupStep as unknown as AnyStep],
      { env: env() },
    );
    expect(await controller.start({ kind: 'all' })).toBe('done');
    controller.dispose();
    await app.run.close();

    const wanted = Array.from({ length: DEFAULT_CYCLES }, (_, i) => i + 1);
    expect(await finishedCycles(headless.dir)).toEqual(wanted);
    expect(await finishedCycles(app.dir)).toEqual(wanted);
    expect(wanted.length).toBeGreaterThan(0);
  });
});
