import { describe, expect, it } from 'vitest';
import type { StepEngine } from '../../src/pipeline/index.js';
import { engineLine, engineView } from '../../src/present/engine.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const remote = (state: NonNullable<StepEngine['remote']>['state'], done: number, total: number, id?: string) => ({
  state,
  done,
  total,
  ...(id ? { id } : {}),
  updatedAt: '2026-12-01T11:57:00Z',
});
const line = (e: StepEngine, stepDone = false) => engineLine(engineView(e, { stepDone, now: NOW }));

describe('engine line', () => {
  it('live endpoints: the engine only, no remote state or next action', () => {
    const v = engineView({ engine: 'live' }, { stepDone: false, now: NOW });
    expect(v).toMatchObject({ tag: 'live', remote: null, next: null, tone: 'normal' });
    expect(engineLine(v)).toBe('engine: live endpoints');
  });

  it('a batch being worked on says how far it is, when it was polled, and that a restart resumes polling', () => {
    expect(line({ engine: 'batch', remote: remote('submitted', 0, 5000, 'batch_abc') })).toBe(
      'engine: Batch API · submitted · batch_abc · polled 3m00s ago · next: wait; `cxrvqa run` (r) resumes polling, nothing is sent again',
    );
    const v = engineView(
      { engine: 'batch', remote: remote('running', 1200, 5000, 'batch_abc') },
      { stepDone: false, now: NOW },
    );
    expect(v.tag).toBe('batch running 1,200/5,000');
    expect(v.tone).toBe('active');
  });

  it('an expired batch names how many requests will be resubmitted; a done one needs nothing once imported', () => {
    expect(line({ engine: 'batch', remote: remote('expired', 4100, 5000, 'batch_abc') })).toMatch(
      /expired 4,100\/5,000 .* next: `cxrvqa run` \(r\) resubmits the 900 requests without an answer$/,
    );
    expect(engineView({ engine: 'batch', remote: remote('expired', 1, 2) }, { stepDone: false }).tone).toBe('warn');
    expect(line({ engine: 'batch', remote: remote('done', 5000, 5000) }, true)).not.toMatch(/next:/);
    expect(line({ engine: 'batch', remote: remote('done', 5000, 5000) }, false)).toMatch(
      /next: `cxrvqa run` \(r\) imports the results$/,
    );
  });

  it('shards point at their folder: start the jobs, import, or re-shard what is missing', () => {
    expect(line({ engine: 'shards', remote: remote('submitted', 0, 8, 'out/shards') })).toMatch(
      /^engine: shards \(vllm run-batch\) · submitted · out\/shards · checked 3m00s ago · next: start the jobs in out\/shards .*then `cxrvqa import out\/shards`$/,
    );
    expect(line({ engine: 'shards', remote: remote('running', 3, 8, 'out/shards') })).toMatch(
      /running 3\/8 .* next: `cxrvqa import out\/shards` takes the finished shards/,
    );
    expect(line({ engine: 'shards', remote: remote('failed', 6, 8, 'out/shards') })).toMatch(
      /next: `cxrvqa shard --missing-from out\/shards` writes the 2 missing requests as new shards$/,
    );
  });
});
