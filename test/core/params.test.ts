import { afterEach, describe, expect, it } from 'vitest';
import { applyParams } from '../../src/pipeline/runner/configure.js';
import type { AnyStep } from '../../src/pipeline/steps/contract.js';
import { StepStateSchema } from '../../src/pipeline/schemas/state.js';
import { Run } from '../../src/pipeline/store/run.js';
import { AppController } from '../../src/ui/state/controller.js';
import { countingStep } from '../helpers/fakeSteps.js';
import { makeTempDir } from '../helpers/tmp.js';

let tmp: ReturnType<typeof makeTempDir>;
afterEach(() => tmp?.cleanup());

describe('setting step params', () => {
  it('refuses an unknown key from the app as from --set, and stores nothing', async () => {
    tmp = makeTempDir();
    const run = await Run.open(tmp.dir, { create: true });
    const step = countingStep().step as AnyStep;
    const controller = new AppController(run, [step], { env: { confirmations: new Set(), env: {} } });
    expect(await controller.setParam('count', 'lable', '"y"')).toMatch(
      /Unknown param "lable" for count\. Params of count: n, label\./,
    );
    await expect(applyParams(run, [step], { count: { lable: 'y' } })).rejects.toThrow(/Unknown param "lable"/);
    expect(run.state.steps.count).toBeUndefined();
    expect(await controller.setParam('count', 'label', '"y"')).toBeNull();
    // A step state created by a param edit is the schema's default state plus the params.
    expect(run.state.steps.count).toEqual({ ...StepStateSchema.parse({}), params: { label: 'y' } });
    controller.dispose();
    await run.close();
  });
});
