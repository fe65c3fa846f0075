import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppController } from '../../src/ui/state/controller.js';
import { tempRun } from './helpers/render.js';

afterEach(() => vi.useRealTimers());

describe('remembered position', () => {
  it('the position written on quit is not overwritten by an older debounced save', async () => {
    const run = await tempRun();
    const controller = new AppController(run, [], { env: { confirmations: new Set(), env: {} } });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    controller.saveUi({ screen: 'inspector', selectedStep: null, inspectorStudy: null });
    await controller.writeUi({ screen: 'inspector', selectedStep: null, inspectorStudy: 's200' });
    vi.runAllTimers();
    await controller.drain();
    expect(run.state.ui).toMatchObject({ screen: 'inspector', inspectorStudy: 's200' });
    controller.dispose();
    await run.close();
  });
});
