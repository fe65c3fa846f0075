import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { extractSingleReport } from '../../src/pipeline/extract/single.js';
import { extractStep } from '../../src/pipeline/extract/step.js';
import { resolveProfile } from '../../src/pipeline/llm/config.js';
import { openJobs, submittingKeys } from '../../src/pipeline/llm/batchApi/jobs.js';
import { runStep } from '../../src/pipeline/runner/runStep.js';
import type { ExtractionResult } from '../../src/pipeline/schemas/extraction.js';
import type { AnyStep, StepEvent } from '../../src/pipeline/steps/contract.js';
import type { Run } from '../../src/pipeline/store/run.js';
import { llmRunWithReports } from '../extract/fixtures.js';
import { closedAfterEach } from '../helpers/lifecycle.js';
import { startBatchServer, type BatchScript } from '../helpers/loopback-batch.js';
import { DEFAULT_KEYINFO, type LoopbackServer, type Reply, type SeenRequest } from '../helpers/loopback-server.js';

/**
 * The batch engine against the loopback files + batches API: the same rows as
 * the live path, resubmission of only what an expired or partly failed batch
 * did not answer, a failed validation stopping with its reason, the batch price.
 */

const step = extractStep as unknown as AnyStep;
let server: LoopbackServer | null = null;
const runs = closedAfterEach<Run>();
afterEach(async () => {
  await server?.close();
  server = null;
});

const env = { confirmations: new Set<string>(), env: {} as NodeJS.ProcessEnv, maxFailed: 1 };
const studyNo = (q: SeenRequest) => Number(/Study (\d+)/.exec(q.userText)![1]);
const CUT = DEFAULT_KEYINFO.slice(0, 60);

/** One reply per report number: every status the judge gives, and a cut-off answer that a larger max_tokens fixes. */
const SCRIPT = (q: SeenRequest): Reply => {
  switch (studyNo(q) % 7) {
    case 0:
      return { content: DEFAULT_KEYINFO };
    case 1:
      return { content: `Here is the JSON you asked for: ${DEFAULT_KEYINFO}` };
    case 2:
      return (q.body.max_tokens ?? 0) > 100 ? { content: DEFAULT_KEYINFO } : { content: CUT, finishReason: 'length' };
    case 3:
      return { content: CUT, finishReason: 'length' };
    case 4:
      return { contentFilter: 'completion' };
    case 5:
      return { contentFilter: 'prompt' };
    default:
      return { content: 'I cannot read this report.' };
  }
};

async function makeRun(url: string, n: number, llm: Record<string, unknown> = {}): Promise<Run> {
  const run = await llmRunWithReports(n, {
    endpoints: [{ url }],
    model: 'extractor',
    retries: { max: 2, baseMs: 10, maxMs: 50 },
    concurrency: 4,
    decoding: { max_tokens: 100 },
    batch: { pollMs: 5 },
    ...llm,
  });
  runs.push(run);
  return run;
}

/** Rows without the time they were written: the rest must not depend on the engine. */
async function rows(run: Run): Promise<string[]> {
  const map = await run.artifact<ExtractionResult>('raw').readMap();
  // When, where and how fast an answer came are the transport's; everything else must match.
  return [...map.values()]
    .map(({ at: _at, endpoint: _endpoint, latency_ms: _latency, ...rest }) => JSON.stringify(rest))
    .sort();
}

async function extract(run: Run, events: StepEvent[] = []) {
  return runStep(run, step, {
    signal: new AbortController().signal,
    env,
    onEvent: (e) => {
      if (e.type === 'step-event') events.push(e.event);
    },
  });
}

async function batchServer(script: BatchScript) {
  const started = await startBatchServer(script);
  server = started.server;
  return started;
}

describe('the batch engine', () => {
  it('gives byte-identical rows to the live path on the same scripted answers', async () => {
    const live = await batchServer({ respond: SCRIPT });
    const liveRun = await makeRun(live.server.url, 14);
    expect(await extract(liveRun)).toBe('done');
    expect(live.batch.created).toBe(0);
    await server!.close();

    const { batch } = await batchServer({ respond: SCRIPT });
    const batchRun = await makeRun(server!.url, 14, { engine: 'batch' });
    expect(await extract(batchRun)).toBe('done');
    const expected = await rows(liveRun);
    expect(new Set(expected.map((r) => (JSON.parse(r) as ExtractionResult).status))).toEqual(
      new Set(['ok', 'repaired', 'truncated', 'filtered', 'parse_error']),
    );
    expect(await rows(batchRun)).toEqual(expected);
    // Round 1 asks for every report, round 2 only for the cut-off answers' larger retries.
    expect(batch.batches.map((b) => b.length)).toEqual([14, 4]);
    expect(server!.count).toBe(0);
    // Nothing is left remotely or in state.
    expect(batch.files()).toEqual([]);
    expect(openJobs(batchRun)).toEqual([]);
  });

  it('an expired batch imports its partial output and resubmits only what it did not answer', async () => {
    const { batch } = await batchServer({ perPoll: 2, expireAfter: (no) => (no === 1 ? 5 : null) });
    const run = await makeRun(server!.url, 12, { engine: 'batch', batch: { pollMs: 5, maxRequests: 50 } });
    const events: StepEvent[] = [];
    expect(await extract(run, events)).toBe('done');
    expect(batch.created).toBe(2);
    const [first, second] = batch.batches as [string[], string[]];
    expect(first).toHaveLength(12);
    expect(second).toEqual(first.slice(5));
    const got = await run.artifact<ExtractionResult>('raw').readMap();
    expect(got.size).toBe(12);
    expect([...got.values()].every((r) => r.status === 'ok')).toBe(true);
    expect(events.some((e) => e.type === 'log' && /expired with 5 of 12 answered/.test(e.message))).toBe(true);
    // Progress while polling comes from the batch's request counts.
    expect(events.some((e) => e.type === 'progress' && e.counters?.batch_completed === 2)).toBe(true);
  });

  it('splits the requests over files at the request limit', async () => {
    const { batch } = await batchServer({});
    const run = await makeRun(server!.url, 11, { engine: 'batch', batch: { pollMs: 5, maxRequests: 4 } });
    expect(await extract(run)).toBe('done');
    expect(batch.batches.map((b) => b.length)).toEqual([4, 4, 3]);
  });

  it('error lines of a partly failed batch are sent once more, then recorded as failed', async () => {
    const { batch } = await batchServer({
      respond: (q) =>
        studyNo(q) === 3 ? { status: 503 } : studyNo(q) === 4 ? { status: 400 } : { content: DEFAULT_KEYINFO },
    });
    const run = await makeRun(server!.url, 6, { engine: 'batch' });
    await extract(run);
    const got = await run.artifact<ExtractionResult>('raw').readMap();
    expect(got.get('s000003')!.status).toBe('failed');
    expect(got.get('s000003')!.reason).toMatch(/^server: batch HTTP 503/);
    expect(got.get('s000004')!.status).toBe('failed');
    expect(got.get('s000004')!.reason).toMatch(/^bad_request: batch HTTP 400/);
    // The 503 is asked again in a second batch; the 400 is not.
    expect(batch.batches[1]).toHaveLength(1);
    expect(batch.batches[1]![0]).toContain('|s000003|');
  });

  it('a server refusing json_schema in batch lines gets them again as free text, and the run remembers it', async () => {
    const schemas: boolean[] = [];
    const { batch } = await batchServer({
      respond: (q) => {
        schemas.push(Boolean(q.body.response_format));
        return q.body.response_format
          ? { status: 400, message: 'response_format json_schema is not supported by this server' }
          : { content: DEFAULT_KEYINFO };
      },
    });
    const run = await makeRun(server!.url, 3, { engine: 'batch' });
    expect(await extract(run)).toBe('done');
    expect(batch.batches.map((b) => b.length)).toEqual([3, 3]);
    expect(schemas).toEqual([true, true, true, false, false, false]);
    const got = await run.artifact<ExtractionResult>('raw').readMap();
    expect([...got.values()].every((r) => r.status === 'ok')).toBe(true);
    expect(Object.values(run.state.endpoints).some((n) => n.structuredRefused)).toBe(true);
  });

  it('a batch that fails validation stops the step with its reason, and nothing is lost', async () => {
    await batchServer({ invalid: () => true });
    const run = await makeRun(server!.url, 3, { engine: 'batch' });
    const events: StepEvent[] = [];
    await expect(extract(run, events)).rejects.toThrow(/batch round 1 brought back no answers for 3 items/);
    expect(run.state.steps['extract']!.status).toBe('failed');
    expect(openJobs(run)).toEqual([]);
    expect(
      events.some((e) => e.type === 'log' && /failed: line 1: Line 1: the body is not a valid/.test(e.message)),
    ).toBe(true);
  });

  it('charges the batch price: half the live price for the same tokens', async () => {
    const prices = { extractor: { input: 2, output: 8 } };
    const cost = async (engine: 'live' | 'batch') => {
      await batchServer({});
      const run = await makeRun(server!.url, 5, { engine, prices });
      const events: StepEvent[] = [];
      expect(await extract(run, events)).toBe('done');
      await server!.close();
      server = null;
      return events.reduce((a, e) => a + (e.type === 'usage' ? e.costUsd : 0), 0);
    };
    const live = await cost('live');
    const batched = await cost('batch');
    expect(live).toBeGreaterThan(0);
    expect(batched).toBeCloseTo(live / 2, 10);
  });

  it('the data-use guard refuses credentialed reports for Azure and the public OpenAI batch API without confirmation', async () => {
    for (const [url, kind, why] of [
      ['https://res.openai.azure.com', 'azure', /Azure OpenAI/],
      ['https://api.openai.com/v1', 'openai', /public OpenAI API/],
    ] as const) {
      const run = await llmRunWithReports(2, { endpoints: [{ url, kind }], model: 'extractor', engine: 'batch' }, true);
      runs.push(run);
      await expect(extract(run)).rejects.toThrow(why);
      expect(fs.existsSync(path.join(run.dir, 'llm-batch'))).toBe(false);
    }
  });
});

describe('the batch engine when stopped', () => {
  it('a step stopped mid-poll keeps the batch id and the next run polls it instead of submitting again', async () => {
    const { batch } = await batchServer({ perPoll: 1 });
    const run = await makeRun(server!.url, 6, { engine: 'batch', prices: { extractor: { input: 2, output: 8 } } });
    const stop = new AbortController();
    const events: StepEvent[] = [];
    const first = runStep(run, step, {
      signal: stop.signal,
      env,
      onEvent: (e) => {
        if (e.type !== 'step-event') return;
        events.push(e.event);
        if (e.event.type === 'progress' && e.event.counters?.batch_completed === 2) stop.abort();
      },
    });
    expect(await first).toBe('interrupted');
    expect(openJobs(run).map((j) => j.requests)).toEqual([6]);
    // The estimate is at the batch price: half of 2 and 8 USD per million tokens.
    const estimate = events.find((e) => e.type === 'log' && /estimate:/.test(e.message));
    expect(estimate?.type === 'log' && estimate.message).toMatch(/~\$0\.01 /);
    expect(await extract(run)).toBe('done');
    expect(batch.created).toBe(1);
    expect(batch.linesReceived).toBe(6);
    expect((await run.artifact<ExtractionResult>('raw').readMap()).size).toBe(6);
    expect(openJobs(run)).toEqual([]);
  });
});

describe('a batch is created at most once', () => {
  it('a create whose answer is lost (a 502 after the batch was made) finds that batch instead of creating another', async () => {
    const { batch } = await batchServer({ loseCreate: (no) => (no === 1 ? 'error' : null) });
    const run = await makeRun(server!.url, 6, { engine: 'batch' });
    const events: StepEvent[] = [];
    expect(await extract(run, events)).toBe('done');
    expect(batch.created).toBe(1);
    expect(batch.lists).toBeGreaterThan(0);
    expect((await run.artifact<ExtractionResult>('raw').readMap()).size).toBe(6);
    expect(submittingKeys(run, 'extract').size).toBe(0);
  });

  it('a run stopped while its create call hangs: the next run finds the batch it made and polls it', async () => {
    const { batch } = await batchServer({ loseCreate: (no) => (no === 1 ? 'hang' : null) });
    const run = await makeRun(server!.url, 6, { engine: 'batch' });
    const stop = new AbortController();
    const first = runStep(run, step, { signal: stop.signal, env, onEvent: () => {} });
    for (let i = 0; i < 400 && batch.created === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(batch.created).toBe(1);
    stop.abort();
    expect(await first).toBe('interrupted');
    // The batch exists remotely, its id never reached the run: only the submission mark is left.
    expect(openJobs(run)).toEqual([]);
    expect(submittingKeys(run, 'extract').size).toBe(1);

    const events: StepEvent[] = [];
    expect(await extract(run, events)).toBe('done');
    expect(batch.created).toBe(1);
    expect(batch.linesReceived).toBe(6);
    expect((await run.artifact<ExtractionResult>('raw').readMap()).size).toBe(6);
    expect(
      events.some((e) => e.type === 'log' && /found batch batch_\d+, created for these requests/.test(e.message)),
    ).toBe(true);
    expect(submittingKeys(run, 'extract').size).toBe(0);
    expect(openJobs(run)).toEqual([]);
  });
});

describe('live paths on a batch run', () => {
  it("the inspector's re-run of one report asks the endpoint directly, never a batch", async () => {
    const { batch } = await batchServer({});
    const run = await makeRun(server!.url, 2, { engine: 'batch' });
    const rec = (await run.artifact<{ study_id: string }>('reports').readMap()).get('s000001')!;
    const profile = resolveProfile(run.state.config);
    const row = await extractSingleReport(
      run,
      rec as never,
      profile,
      profile.prompt,
      env,
      new AbortController().signal,
    );
    expect(row.status).toBe('ok');
    expect(server!.count).toBe(1);
    expect(batch.created).toBe(0);
  });
});
