import { afterEach, describe, expect, it } from 'vitest';
import { followupStep } from '../../src/pipeline/followup/step.js';
import { standardizeStep } from '../../src/pipeline/standardize/step.js';
import type { AnyStep } from '../../src/pipeline/steps/contract.js';
import { AppController } from '../../src/ui/state/controller.js';
import { buildRows } from '../../src/ui/state/rows.js';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server.js';
import { addAsked, env, makeRun, readAsk } from '../followup/fixtures.js';

let server: LoopbackServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

describe('after follow-up cycles', () => {
  it('no cell shows stale once "run all" and one more cycle have finished', async () => {
    server = await startLoopbackServer({ respond: (req) => addAsked(readAsk(req)!) });
    const { run } = await makeRun([{ refPositives: ['edema'] }, { refNegatives: ['pneumothorax'] }], server.url);
    const steps = [standardizeStep as unknown as AnyStep, followupStep as unknown as AnyStep];
    const controller = new AppController(run, steps, { env: env() });
    expect(await controller.start({ kind: 'all' })).toBe('done');
    let rows = buildRows(run, steps);
    expect(rows.map((r) => [r.id, r.status, r.stale])).toEqual([
      ['standardize', 'done', []],
      ['followup', 'done', []],
    ]);
    expect(await controller.start({ kind: 'cycle' })).toBe('done');
    rows = buildRows(run, steps);
    expect(rows.map((r) => [r.id, r.status, r.stale])).toEqual([
      ['standardize', 'done', []],
      ['followup', 'done', []],
    ]);
    expect(run.state.intent).toBeNull();
    controller.dispose();
    await run.close();
  });
});
