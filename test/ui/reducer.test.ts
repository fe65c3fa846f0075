import { describe, expect, it } from 'vitest';
import { errorKind, foldRunnerEvent, initialState, reducer } from '../../src/ui/state/reducer.js';
import type { ProgressSnapshot } from '../../src/pipeline/steps/contract.js';
import type { StepRow } from '../../src/ui/state/types.js';
import { stepRow } from './helpers/stepRow.js';

const snap = (done: number): ProgressSnapshot => ({
  done,
  total: 10,
  rate: 1,
  etaSeconds: 1,
  elapsedSeconds: 1,
  counters: {},
  tokensIn: 0,
  tokensOut: 0,
  costUsd: 0,
});
const row = (id: string): StepRow => stepRow({ id });

describe('ui reducer', () => {
  it('moves the selection within the cells', () => {
    let s = reducer(initialState(), { type: 'rows', rows: [row('a'), row('b')] });
    s = reducer(s, { type: 'move', delta: 5 });
    expect(s.selected).toBe(1);
    s = reducer(s, { type: 'move', delta: -9 });
    expect(s.selected).toBe(0);
  });

  it('folds a batch of runner events into one activity', () => {
    const s = reducer(initialState(), {
      type: 'runner-batch',
      at: 0,
      events: [
        { type: 'step-start', stepId: 'x', mode: 'fresh', title: 'X' },
        { type: 'step-event', stepId: 'x', event: { type: 'log', level: 'warn', message: 'hello' }, progress: snap(0) },
        {
          type: 'step-event',
          stepId: 'x',
          event: { type: 'item', key: 'a', outcome: 'failed', reason: 'timeout: 30s' },
          progress: snap(1),
        },
        {
          type: 'step-event',
          stepId: 'x',
          event: { type: 'item', key: 'b', outcome: 'failed', reason: 'timeout: 31s' },
          progress: snap(2),
        },
        { type: 'step-event', stepId: 'x', event: { type: 'metric', name: 'loss', x: 1, y: 0.5 }, progress: snap(2) },
        { type: 'step-end', stepId: 'x', status: 'done', summary: 'ok', counts: {} },
      ],
    });
    expect(s.activity?.errors).toEqual({ timeout: 2 });
    expect(s.activity?.logs.map((l) => l.message)).toEqual(['hello']);
    expect(s.activity?.metrics.loss).toEqual([[1, 0.5]]);
    expect(s.activity?.progress?.done).toBe(2);
    expect(s.activity?.ended).toEqual({ status: 'done', summary: 'ok' });
  });

  it('keeps only the log tail and a bounded metric series', () => {
    let s = foldRunnerEvent(initialState(), { type: 'step-start', stepId: 'x', mode: 'fresh', title: 'X' });
    for (let i = 0; i < 500; i++)
      s = foldRunnerEvent(s, {
        type: 'step-event',
        stepId: 'x',
        // Letters, not digits: lines differing only in numbers are grouped as repeats.
        event: { type: 'log', level: 'info', message: `m${letters(i)}` },
        progress: snap(0),
      });
    for (let i = 0; i < 5000; i++)
      s = foldRunnerEvent(s, {
        type: 'step-event',
        stepId: 'x',
        event: { type: 'metric', name: 'loss', x: i, y: 1 },
        progress: snap(0),
      });
    expect(s.activity!.logs).toHaveLength(200);
    expect(s.activity!.logs.at(-1)!.message).toBe(`m${letters(499)}`);
    expect(s.activity!.metrics.loss!.length).toBeLessThanOrEqual(2000);
    expect(s.activity!.metrics.loss!.at(-1)![0]).toBe(4999);
  });

  it('ignores events of a step that is not the current activity', () => {
    const s = foldRunnerEvent(initialState(), {
      type: 'step-event',
      stepId: 'y',
      event: { type: 'log', level: 'info', message: 'x' },
      progress: snap(0),
    });
    expect(s.activity).toBeNull();
  });

  it('groups failure reasons by their first word', () => {
    expect(errorKind('rate_limit: 429')).toBe('rate_limit');
    expect(errorKind(undefined)).toBe('unknown');
    expect(errorKind('  parse_error bad')).toBe('parse_error');
  });
});

describe('progress formatting', () => {
  it('shows slow rates with a decimal and fast ones as whole numbers', async () => {
    const { formatRate } = await import('../../src/present/format.js');
    const { progressBar: bar } = await import('../../src/present/progress.js');
    expect(formatRate(2.345)).toBe('2.3');
    expect(formatRate(16190.5)).toBe('16,191');
    expect(bar(5, 10, 10)).toBe('█████░░░░░');
    expect(bar(3, null, 4)).toBe('░░░░');
  });
});

function letters(n: number): string {
  return [...String(n)].map((d) => 'abcdefghij'[Number(d)]).join('');
}
