import { describe, expect, it } from 'vitest';
import type { ProgressSnapshot } from '../../src/pipeline/index.js';
import { bucketMeans } from '../../src/pipeline/finetune/train/chart.js';
import {
  fmtNum,
  formatAccuracy,
  formatCost,
  formatDuration,
  formatPrices,
  formatRate,
  UNKNOWN_COST,
} from '../../src/present/format.js';
import { lossPlot, lossSeries } from '../../src/present/loss.js';
import { describeProgress, progressBar, progressLine } from '../../src/present/progress.js';

const snap = (over: Partial<ProgressSnapshot> = {}): ProgressSnapshot => ({
  done: 500,
  total: 1000,
  rate: 12.5,
  etaSeconds: 40,
  elapsedSeconds: 40,
  counters: {},
  tokensIn: 0,
  tokensOut: 0,
  costUsd: 0,
  ...over,
});

describe('number and time formatting', () => {
  it('formats counts, durations, rates and shares one way', () => {
    expect(fmtNum(1234567)).toBe('1,234,567');
    expect(fmtNum(null)).toBe('-');
    expect(formatDuration(3725)).toBe('1h02m');
    expect(formatDuration(187)).toBe('3m07s');
    expect(formatDuration(null)).toBe('--');
    expect(formatRate(2.345)).toBe('2.3');
    expect(formatRate(16190.5)).toBe('16,191');
    expect(formatAccuracy(0.5)).toBe('50.0%');
    expect(formatAccuracy(null)).toBe('—');
  });

  it('treats a zero cost as unknown, never as free', () => {
    expect(formatCost(0)).toBeNull();
    expect(formatCost(0.0042)).toBe('$0.0042');
    expect(formatCost(12.345)).toBe('$12.35');
  });

  it('llm show and the progress views agree on what an unpriced cost is', () => {
    expect(formatPrices({})).toMatch(/unknown/);
    expect(formatPrices({})).not.toMatch(/costs show as \$0/);
    expect(UNKNOWN_COST).toMatch(/^cost unknown/);
    expect(formatPrices({ m: { input: 1, output: 2 } })).toBe('m 1/2');
  });
});

describe('describeProgress', () => {
  it('gives the cells both front ends show', () => {
    const v = describeProgress(
      snap({ tokensIn: 1200, tokensOut: 300, costUsd: 0.02, counters: { failed: 2, retried: 0 } }),
      { barWidth: 10 },
    );
    expect(v).toEqual({
      bar: '█████░░░░░',
      done: '500',
      total: '1,000',
      percent: '50.0%',
      rate: '12.5',
      eta: '40s',
      elapsed: '40s',
      counters: ['failed=2'],
      tokens: { in: '1,200', out: '300' },
      cost: '$0.0200',
    });
  });

  it('has no percent, tokens or cost when they are unknown, and no ETA for a step that ended short', () => {
    const v = describeProgress(snap({ total: null }), { etaKnown: false, elapsedSeconds: 61 });
    expect(v).toMatchObject({
      total: '?',
      percent: '',
      tokens: null,
      cost: null,
      eta: '--',
      elapsed: '1m01s',
      bar: '',
    });
    expect(describeProgress(null)).toMatchObject({ done: '0', total: '?', rate: '0.0' });
  });

  it('joins into the headless line', () => {
    expect(progressLine(snap({ tokensIn: 1200, tokensOut: 300, costUsd: 0.0042, counters: { failed: 2 } }))).toBe(
      '500/1,000 50.0% 12.5/s eta 40s tokens 1,200/300 $0.0042 failed=2',
    );
    expect(progressLine(snap({ tokensIn: 1200, tokensOut: 300 }))).toBe(
      '500/1,000 50.0% 12.5/s eta 40s tokens 1,200/300',
    );
    expect(progressBar(3, null, 4)).toBe('░░░░');
  });
});

describe('lossSeries', () => {
  const points = Array.from({ length: 200 }, (_, i): [number, number] => [i * 10, 2 - i / 100]);

  it('averages buckets as the headless training log does, so both draw the same curve', () => {
    const s = lossSeries('loss', points, 62)!;
    expect(s.values).toEqual(
      bucketMeans(
        points.map((p) => p[1]),
        50,
      ),
    );
    expect(s.last).toEqual({ step: 1990, value: '0.0100' });
    // with its title line the chart fills the height it was given
    expect(lossPlot(s, 8).split('\n')).toHaveLength(7);
  });

  it('draws nothing for fewer than two points', () => {
    expect(lossSeries('loss', [[1, 0.5]], 80)).toBeNull();
  });
});
