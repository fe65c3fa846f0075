import type { StepRow } from '../../../src/ui/state/types.js';

/** A notebook row of a step that has not run, with the fields a test cares about set. */
export function stepRow(fields: Partial<StepRow> & Pick<StepRow, 'id'>): StepRow {
  return {
    title: fields.id,
    description: '',
    status: 'not_run',
    counts: {},
    summary: '',
    finishedAt: null,
    durationMs: null,
    error: null,
    warning: null,
    stale: [],
    applies: { ok: true },
    preview: null,
    kept: null,
    ...fields,
  };
}
