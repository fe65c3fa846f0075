import { afterEach, describe, expect, it } from 'vitest';
import { followupStep } from '../../src/pipeline/followup/step.js';
import { runStep } from '../../src/pipeline/runner/runStep.js';
import type { AnyStep } from '../../src/pipeline/steps/contract.js';
import type { Run } from '../../src/pipeline/store/run.js';
import { closedAfterEach } from '../helpers/lifecycle.js';
import { startBatchServer } from '../helpers/loopback-batch.js';
import type { LoopbackServer, Reply, SeenRequest } from '../helpers/loopback-server.js';
import { addAsked, env, makeRun, readAsk, type FuStudy } from './fixtures.js';

/**
 * A follow-up cycle on the batch engine: each study's questions stay strictly one
 * after another (one per batch round), every answer is logged once, and the rows
 * match the live path's on the same answers.
 */

const fu = followupStep as unknown as AnyStep;
let server: LoopbackServer | null = null;
const runs = closedAfterEach<Run>();
afterEach(async () => {
  await server?.close();
  server = null;
});

const studies: FuStudy[] = Array.from({ length: 5 }, (_, i) => ({
  positives: ['edema'],
  refPositives: ['edema', 'atelectasis', ...(i % 2 ? ['nodule'] : [])],
  refNegatives: ['pneumothorax'],
}));
// Study 3's question about atelectasis is answered with text that does not parse.
const respond = (req: SeenRequest): Reply => {
  const a = readAsk(req)!;
  return a.study === 's000003' && a.entity === 'atelectasis' ? { content: 'not sure' } : addAsked(a);
};

async function lines(run: Run, name: string): Promise<string[]> {
  const out: string[] = [];
  // When, where and how fast an answer came are the transport's; everything else must match.
  for await (const r of run.artifact<{ study_id: string; at?: string }>(name).lines()) {
    const { at: _at, endpoint: _endpoint, latency_ms: _latency, ...rest } = r as Record<string, unknown>;
    out.push(JSON.stringify(rest));
  }
  return out.sort();
}

describe('follow-up on the batch engine', () => {
  it('asks one question per study per batch round and logs the same rows as the live path', async () => {
    const live = await startBatchServer({ respond });
    server = live.server;
    const liveRun = (await makeRun(studies, server.url)).run;
    runs.push(liveRun);
    expect(await runStep(liveRun, fu, { signal: new AbortController().signal, env: env(1) })).toBe('done');
    await server.close();

    const { batch, server: s2 } = await startBatchServer({ respond });
    server = s2;
    const batchRun = (await makeRun(studies, server.url, { engine: 'batch', batch: { pollMs: 5 } })).run;
    runs.push(batchRun);
    expect(await runStep(batchRun, fu, { signal: new AbortController().signal, env: env(1) })).toBe('done');
    // Plans of 2 or 3 questions: rounds of 5, 5, then the 2 studies with a third question.
    expect(batch.batches.map((b) => b.length)).toEqual([5, 5, 2]);
    expect(batch.batches.flat().every((id) => id.startsWith('followup-1|'))).toBe(true);
    const log = await lines(batchRun, 'followup-log');
    expect(log).toHaveLength(12);
    expect(log).toEqual(await lines(liveRun, 'followup-log'));
    expect(await lines(batchRun, 'followup')).toEqual(await lines(liveRun, 'followup'));
  });
});
