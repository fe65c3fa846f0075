import { describe, expect, it } from 'vitest';
import { newRunState } from '../../src/pipeline/schemas/state.js';
import { readSection, writeSection } from '../../src/pipeline/store/sections.js';
import { readReviewSession } from '../../src/pipeline/inspect/reviews.js';
import { UI_POSITION } from '../../src/ui/state/position.js';

describe('state sections owned by their layer', () => {
  it('reads the app position through its schema: unknown screens and wrong types fall back field by field', () => {
    const state = newRunState();
    expect(readSection(state, UI_POSITION)).toEqual({ screen: undefined, selectedStep: null, inspectorStudy: null });
    state.ui = { screen: 'no-such-screen', selectedStep: 'extract', inspectorStudy: 42 };
    expect(readSection(state, UI_POSITION)).toEqual({
      screen: undefined,
      selectedStep: 'extract',
      inspectorStudy: null,
    });
    writeSection(state, UI_POSITION, { screen: 'inspector', selectedStep: null, inspectorStudy: 's1' });
    expect(readSection(state, UI_POSITION)).toEqual({ screen: 'inspector', selectedStep: null, inspectorStudy: 's1' });
  });

  it('reads the review session at reviews.session, dropping stray ids and refusing a malformed one', () => {
    const state = newRunState();
    state.reviews = { session: { seed: 7, ids: ['a', 3, 'b'], cursor: 1 }, other: true };
    expect(readReviewSession({ state })).toEqual({ seed: 7, n: 2, ids: ['a', 'b'], cursor: 1, startedAt: '' });
    state.reviews = { session: { seed: '7', ids: [], cursor: 0 } };
    expect(readReviewSession({ state })).toBeNull();
    state.reviews = {};
    expect(readReviewSession({ state })).toBeNull();
  });
});
