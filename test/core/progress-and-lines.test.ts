import { describe, expect, it } from 'vitest';
import { formatProgressLine } from '../../src/cli/format.js';
import { createLineReporter } from '../../src/cli/lineReporter.js';
import { ProgressTracker } from '../../src/pipeline/runner/progress.js';
import type { ProgressSnapshot, RunnerEvent } from '../../src/pipeline/steps/contract.js';

describe('ProgressTracker', () => {
  it('computes rate over the window and an ETA from the remaining work', () => {
    let t = 0;
    const p = new ProgressTracker(() => t, 10_000);
    p.apply({ type: 'progress', done: 0, total: 1000 });
    t = 2000;
    const s = p.apply({ type: 'progress', done: 200, total: 1000 });
    expect(s.rate).toBeCloseTo(100);
    expect(s.etaSeconds).toBeCloseTo(8);
    expect(s.elapsedSeconds).toBe(2);
  });

  it('uses the average since start while the window has a single sample', () => {
    let t = 0;
    const p = new ProgressTracker(() => t);
    t = 4000;
    expect(p.apply({ type: 'progress', done: 400, total: 800 }).rate).toBeCloseTo(100);
  });

  it('gives no rate for a resumed step until a second sample (its first count includes earlier work)', () => {
    let t = 0;
    const p = new ProgressTracker(() => t, 10_000, true);
    t = 10;
    let s = p.apply({ type: 'progress', done: 500, total: 1000 });
    expect(s.rate).toBe(0);
    expect(s.etaSeconds).toBeNull();
    t = 2010;
    s = p.apply({ type: 'progress', done: 520, total: 1000 });
    expect(s.rate).toBeCloseTo(10);
    expect(s.etaSeconds).toBeCloseTo(48);
  });

  it('sums usage and counts non-ok item outcomes by kind', () => {
    const p = new ProgressTracker(() => 0);
    p.apply({ type: 'usage', tokensIn: 100, tokensOut: 20, costUsd: 0.01 });
    p.apply({ type: 'usage', tokensIn: 50, tokensOut: 5, costUsd: 0.02 });
    p.apply({ type: 'item', key: 'a', outcome: 'failed' });
    p.apply({ type: 'item', key: 'b', outcome: 'failed' });
    const s = p.apply({ type: 'item', key: 'c', outcome: 'ok' });
    expect(s.tokensIn).toBe(150);
    expect(s.tokensOut).toBe(25);
    expect(s.costUsd).toBeCloseTo(0.03);
    expect(s.counters).toEqual({ failed: 2 });
  });
});

describe('line reporter', () => {
  it('prints plain lines with no escape codes and throttles progress', () => {
    const lines: string[] = [];
    let t = 0;
    const report = createLineReporter(
      (l) => lines.push(l),
      2000,
      () => t,
    );
    const snap = {
      done: 1,
      total: 10,
      rate: 1,
      etaSeconds: 9,
      elapsedSeconds: 1,
      counters: {},
      tokensIn: 0,
      tokensOut: 0,
      costUsd: 0,
    };
    const ev = (done: number): RunnerEvent => ({
      type: 'step-event',
      stepId: 's',
      event: { type: 'progress', done, total: 10 },
      progress: { ...snap, done },
    });
    report({ type: 'step-start', stepId: 's', mode: 'fresh', title: 'S' });
    t = 2500;
    report(ev(1));
    t = 2600;
    report(ev(2)); // throttled
    t = 2700;
    report(ev(10)); // finished: always printed
    report({ type: 'step-end', stepId: 's', status: 'done', summary: 'ok', counts: {} });
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/^\[s\] 1\/10 10\.0%/);
    expect(lines.join('\n')).not.toContain('\u001b[');
  });

  it('prints the stack and the log file of an internal failure, and neither for a user error', () => {
    const lines: string[] = [];
    const report = createLineReporter((l) => lines.push(l));
    report({
      type: 'step-end',
      stepId: 's',
      status: 'failed',
      summary: 'x is undefined',
      error: 'x is undefined',
      stack: 'TypeError: x is undefined\n    at f (a.ts:1:1)',
      logFile: '/r/logs/s.log',
      counts: {},
    });
    expect(lines).toEqual([
      '[s] failed: x is undefined',
      'TypeError: x is undefined\n    at f (a.ts:1:1)',
      '[s] details kept in /r/logs/s.log',
    ]);
    lines.length = 0;
    report({
      type: 'step-end',
      stepId: 's',
      status: 'failed',
      summary: 'key revoked',
      error: 'key revoked',
      counts: {},
    });
    expect(lines).toEqual(['[s] failed: key revoked']);
  });
});

describe('progress line', () => {
  const snap = (over: Partial<ProgressSnapshot>): ProgressSnapshot => ({
    done: 5,
    total: 10,
    rate: 1,
    etaSeconds: 5,
    elapsedSeconds: 5,
    counters: {},
    tokensIn: 0,
    tokensOut: 0,
    costUsd: 0,
    ...over,
  });

  it('shows tokens without a cost when no price is configured (not a misleading $0.00)', () => {
    const line = formatProgressLine(snap({ tokensIn: 1200, tokensOut: 300 }));
    expect(line).toContain('tokens 1,200/300');
    expect(line).not.toContain('$');
  });

  it('shows a small cost with enough digits to be seen', () => {
    expect(formatProgressLine(snap({ tokensIn: 1200, tokensOut: 300, costUsd: 0.0042 }))).toContain(
      'tokens 1,200/300 $0.0042',
    );
    expect(formatProgressLine(snap({ tokensIn: 1e6, tokensOut: 1e5, costUsd: 12.345 }))).toContain('$12.35');
  });
});
