import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { sleep } from './helpers/fakeSteps.js';

describe('the fake steps’ sleep', () => {
  it('leaves no abort listener behind on the step’s signal (no MaxListenersExceededWarning)', async () => {
    const controller = new AbortController();
    for (let i = 0; i < 12; i++) await sleep(1, controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('ends early when the signal aborts', async () => {
    const controller = new AbortController();
    const slept = sleep(60_000, controller.signal);
    controller.abort();
    await expect(slept).resolves.toBeUndefined();
  });
});
