import { afterEach, describe, expect, it } from 'vitest';
import { formatStatus } from '../../src/cli/commands/status.js';
import { followupStep } from '../../src/pipeline/followup/step.js';
import type { FollowupLogRow, FollowupRow } from '../../src/pipeline/followup/schema.js';
import { runPipeline, runStep } from '../../src/pipeline/runner/runner.js';
import { standardizeStep } from '../../src/pipeline/standardize/step.js';
import { planFor } from '../../src/pipeline/steps/registry.js';
import type { StandardizedRow } from '../../src/pipeline/standardize/input.js';
import type { AnyStep, RunnerEvent } from '../../src/pipeline/steps/contract.js';
import type { Run } from '../../src/pipeline/store/run.js';
import { startLoopbackServer, type LoopbackServer, type Reply } from '../helpers/loopback-server.js';
import { addAsked, env, makeRun, readAsk, sleep, unchanged, type FuStudy } from './fixtures.js';
import { closedAfterEach } from '../helpers/lifecycle.js';

const fu = followupStep as unknown as AnyStep;
const std = standardizeStep as unknown as AnyStep;
let server: LoopbackServer | null = null;
const runs = closedAfterEach<Run>();
afterEach(async () => {
  await server?.close();
  server = null;
});

async function all<T>(run: Run, name: string): Promise<T[]> {
  const out: T[] = [];
  for await (const r of run.artifact<T & { study_id: string }>(name).lines()) out.push(r);
  return out;
}

const signal = () => new AbortController().signal;

describe('follow-up step against the loopback server', () => {
  it('keeps one question in flight per study, many studies at once, each seeing the previous answer', async () => {
    const inflight = new Map<string, number>();
    let maxPerStudy = 0;
    let maxGlobal = 0;
    let global = 0;
    const seen = new Map<string, Array<{ entity: string; current: string }>>();
    server = await startLoopbackServer({
      respond: async (req): Promise<Reply> => {
        const a = readAsk(req)!;
        inflight.set(a.study, (inflight.get(a.study) ?? 0) + 1);
        global++;
        maxPerStudy = Math.max(maxPerStudy, inflight.get(a.study)!);
        maxGlobal = Math.max(maxGlobal, global);
        const list = seen.get(a.study) ?? [];
        list.push({ entity: a.entity, current: JSON.stringify(a.current) });
        seen.set(a.study, list);
        await sleep(15);
        inflight.set(a.study, inflight.get(a.study)! - 1);
        global--;
        return addAsked(a);
      },
    });
    const studies: FuStudy[] = Array.from({ length: 12 }, () => ({
      positives: ['edema'],
      refPositives: ['edema', 'atelectasis', 'nodule'],
      refNegatives: ['pneumothorax', 'consolidation'],
    }));
    const { run } = await makeRun(studies, server.url);
    runs.push(run);
    expect(await runStep(run, fu, { signal: signal(), env: env(1) })).toBe('done');
    expect(maxPerStudy).toBe(1);
    expect(maxGlobal).toBeGreaterThan(1);
    // Plan order per study, and each question shows the JSON the previous answer produced.
    for (const list of seen.values()) {
      expect(list.map((x) => x.entity)).toEqual(['pneumothorax', 'consolidation', 'atelectasis', 'nodule']);
      expect(JSON.parse(list[1]!.current).no_entity).toEqual(['pneumothorax']);
      expect(Object.keys(JSON.parse(list[3]!.current).entity)).toEqual(['edema', 'atelectasis']);
    }
    const rows = await all<FollowupRow>(run, 'followup');
    expect(rows).toHaveLength(12);
    expect(rows.every((r) => r.cycle === 1 && r.asked === 4 && r.applied === 4)).toBe(true);
    const k = rows[0]!.keyinfo as { entity: Record<string, unknown>; no_entity: string[] };
    expect(Object.keys(k.entity).sort()).toEqual(['atelectasis', 'edema', 'nodule']);
    expect(k.no_entity).toEqual(['pneumothorax', 'consolidation']);
    // The system prompt of the extraction opens every conversation.
    expect(server.requests[0]!.body.messages[0]!.role).toBe('system');
    expect(run.state.cycles[0]).toMatchObject({
      cycle: 1,
      finishedAt: null,
      counts: {
        asked: 48,
        answered: 48,
        changed: 12,
        added_entity: 24,
        added_no_entity: 24,
        parse_failures: 0,
        dropped: 0,
      },
    });
  });

  it('reports tokens and cost while the cycle runs, like extraction does', async () => {
    server = await startLoopbackServer({ respond: async (req): Promise<Reply> => addAsked(readAsk(req)!) });
    const studies: FuStudy[] = Array.from({ length: 6 }, () => ({
      positives: ['edema'],
      refPositives: ['edema', 'atelectasis'],
      refNegatives: ['pneumothorax'],
    }));
    const { run } = await makeRun(studies, server.url, { prices: { extractor: { input: 1, output: 2 } } });
    runs.push(run);
    const events: RunnerEvent[] = [];
    expect(await runStep(run, fu, { signal: signal(), env: env(1), onEvent: (e) => events.push(e) })).toBe('done');
    const progress = events.flatMap((e) =>
      e.type === 'step-event' && e.event.type === 'progress' ? [e.progress] : [],
    );
    // The last progress line (what the headless log prints at 100%) carries the tokens and cost spent.
    expect(progress.at(-1)!.tokensIn).toBeGreaterThan(0);
    expect(progress.at(-1)!.costUsd).toBeGreaterThan(0);
    const logs = events.flatMap((e) => (e.type === 'step-event' && e.event.type === 'log' ? [e.event.message] : []));
    expect(logs.find((l) => l.startsWith('Follow-up LLM:'))).toMatch(/out, \$\d+\.\d{4}/);
    // The cycle says what it will send before its first request.
    expect(
      logs.findIndex((l) => /^follow-up estimate: \d+ questions, ~[\d,]+ input \+ ~[\d,]+ output tokens, ~\$/.test(l)),
    ).toBeGreaterThanOrEqual(0);
  });

  it('drops a queued question whose finding an earlier answer already added', async () => {
    server = await startLoopbackServer({
      respond: (req) => {
        const a = readAsk(req)!;
        // Asked about atelectasis, the model also adds the effusion it sees.
        return a.entity === 'atelectasis' ? addAsked(a, ['pleural effusion']) : addAsked(a);
      },
    });
    const { run, ids } = await makeRun([{ refPositives: ['atelectasis', 'pleural effusion', 'nodule'] }], server.url);
    runs.push(run);
    await runStep(run, fu, { signal: signal(), env: env(1) });
    const asked = server.requests.map((r) => readAsk(r)!.entity);
    expect(asked).toEqual(['atelectasis', 'nodule']);
    const log = await all<FollowupLogRow>(run, 'followup-log');
    expect(log.map((l) => [l.entity, l.status])).toEqual([
      ['atelectasis', 'applied'],
      ['pleural effusion', 'dropped'],
      ['nodule', 'applied'],
    ]);
    expect(log[0]).toMatchObject({ study_id: ids[0], seq: 0, polarity: 'positive', before: { entity: {} } });
    expect(Object.keys((log[0]!.after as { entity: object }).entity)).toEqual(['atelectasis', 'pleural effusion']);
    expect(run.state.cycles[0]!.counts).toMatchObject({ asked: 2, dropped: 1, added_entity: 3 });
  });

  it('leaves the record unchanged on a reply that does not parse, and counts it', async () => {
    server = await startLoopbackServer({
      respond: (req) =>
        readAsk(req)!.entity === 'edema' ? { content: 'I am not sure what you mean.' } : unchanged(readAsk(req)!),
    });
    const { run } = await makeRun([{ positives: ['nodule'], refPositives: ['edema', 'mass'] }], server.url);
    runs.push(run);
    await runStep(run, fu, { signal: signal(), env: env(1) });
    const log = await all<FollowupLogRow>(run, 'followup-log');
    expect(log.map((l) => l.status)).toEqual(['parse_error', 'unchanged']);
    expect(log[0]!.reply_text).toBe('I am not sure what you mean.');
    const [row] = await all<FollowupRow>(run, 'followup');
    expect(row).toMatchObject({ asked: 2, applied: 0, parse_failures: 1 });
    expect(Object.keys((row!.keyinfo as { entity: object }).entity)).toEqual(['nodule']);
    expect(run.state.cycles[0]!.counts).toMatchObject({ asked: 2, answered: 1, parse_failures: 1, changed: 0 });
  });

  it('keeps the record when a reply is cut off mid-JSON instead of wiping the keys after the cut', async () => {
    // '{"entity": {' repairs to {"entity": {}}: applied, it would drop every finding and negative
    server = await startLoopbackServer({
      respond: (req) =>
        readAsk(req)!.entity === 'edema' ? { content: 'Here is the JSON: {"entity": {' } : unchanged(readAsk(req)!),
    });
    const { run } = await makeRun([{ positives: ['nodule'], refPositives: ['edema', 'mass'] }], server.url);
    runs.push(run);
    await runStep(run, fu, { signal: signal(), env: env(1) });
    const log = await all<FollowupLogRow>(run, 'followup-log');
    expect(log.map((l) => l.status)).toEqual(['truncated', 'unchanged']);
    expect(log[0]!.reason).toMatch(/cut off/);
    expect(log[0]!.reply_text).toBe('Here is the JSON: {"entity": {');
    const [row] = await all<FollowupRow>(run, 'followup');
    expect(Object.keys((row!.keyinfo as { entity: object }).entity)).toEqual(['nodule']);
    expect(run.state.cycles[0]!.counts).toMatchObject({ truncated: 1, parse_failures: 0, changed: 0 });
  });

  it('never applies a reply cut at max_tokens, cut after an inner brace, or leaving out keys the record has', async () => {
    // Each of these, applied, would replace the record with one that lost findings or negatives.
    const cut = (a: NonNullable<ReturnType<typeof readAsk>>): Reply => {
      const full = JSON.stringify({
        ...a.current,
        entity: { ...(a.current.entity as object), [a.entity]: { location: null, level: null, type: null } },
      });
      return { content: full.slice(0, full.indexOf('}') + 1) };
    };
    const replies: Record<string, (a: NonNullable<ReturnType<typeof readAsk>>) => Reply> = {
      edema: (a) => ({ ...addAsked(a), finishReason: 'length' }),
      mass: cut,
      effusion: (a) => ({
        content: JSON.stringify({
          entity: { ...(a.current.entity as object), effusion: { location: null, level: null, type: null } },
        }),
      }),
      atelectasis: () => ({ contentFilter: 'completion' }),
    };
    server = await startLoopbackServer({ respond: (req) => replies[readAsk(req)!.entity]!(readAsk(req)!) });
    const { run } = await makeRun(
      [
        {
          positives: ['nodule'],
          negatives: ['pneumothorax'],
          refPositives: ['edema', 'mass', 'effusion', 'atelectasis'],
        },
      ],
      server.url,
    );
    runs.push(run);
    await runStep(run, fu, { signal: signal(), env: env(1) });
    const log = await all<FollowupLogRow>(run, 'followup-log');
    expect(log.map((l) => [l.entity, l.status])).toEqual([
      ['edema', 'truncated'],
      ['mass', 'truncated'],
      ['effusion', 'truncated'],
      ['atelectasis', 'filtered'],
    ]);
    expect(log[2]!.reason).toMatch(/leaves out no_entity/);
    for (const l of log) expect(l.after).toEqual(l.before);
    const [row] = await all<FollowupRow>(run, 'followup');
    expect(row!.keyinfo).toMatchObject({ entity: { nodule: {} }, no_entity: ['pneumothorax'] });
    expect(row).toMatchObject({ truncated: 3, filtered: 1, applied: 0 });
    // The cut-off at max_tokens was asked once more with a larger max_tokens; the others were not.
    const edema = server.requests.filter((q) => readAsk(q)!.entity === 'edema').map((q) => q.body.max_tokens);
    expect(edema).toHaveLength(2);
    expect(edema[1]).toBe(2 * edema[0]!);
    expect(server.requests.filter((q) => readAsk(q)!.entity === 'effusion')).toHaveLength(1);
  });

  it('stops when every endpoint is down instead of asking every question (the same circuit breaker as extract)', async () => {
    server = await startLoopbackServer({ respond: (): Reply => ({ status: 503, message: 'upstream down' }) });
    const studies: FuStudy[] = Array.from({ length: 40 }, () => ({
      positives: ['nodule'],
      refPositives: ['edema', 'mass'],
    }));
    const { run } = await makeRun(studies, server.url, { rest: { afterFailures: 1000, ms: 10 } });
    runs.push(run);
    await expect(runStep(run, fu, { signal: signal(), env: env(1) })).rejects.toThrow(
      /Follow-up stopped: .*requests in a row failed after retries/,
    );
    expect(run.state.steps.followup!.status).toBe('failed');
    // 80 questions at 3 attempts each would be 240 requests; the breaker stops long before.
    expect(server.count).toBeLessThan(120);
  });

  it('resumes an interrupted cycle: logged answers are not asked again, none is lost', async () => {
    const controller = new AbortController();
    let n = 0;
    server = await startLoopbackServer({
      respond: async (req) => {
        if (++n === 7) controller.abort();
        await sleep(5);
        return addAsked(readAsk(req)!);
      },
    });
    const studies: FuStudy[] = Array.from({ length: 6 }, () => ({
      refPositives: ['edema', 'atelectasis'],
      refNegatives: ['pneumothorax'],
    }));
    const { run } = await makeRun(studies, server.url, { concurrency: 2 });
    runs.push(run);
    expect(await runStep(run, fu, { signal: controller.signal, env: env(1) })).toBe('interrupted');
    const logged = (await all<FollowupLogRow>(run, 'followup-log')).length;
    expect(logged).toBeGreaterThan(0);
    expect(logged).toBeLessThan(18);
    const before = server.count;
    expect(await runStep(run, fu, { signal: signal(), env: env(1), mode: 'resume', keepOutputs: true })).toBe('done');
    // Each question reaches the server once, except those cut off in flight (≤ concurrency).
    const keys = server.requests.map((r) => {
      const a = readAsk(r)!;
      return `${a.study}:${a.entity}`;
    });
    const twice = keys.length - new Set(keys).size;
    expect(twice).toBeLessThanOrEqual(2);
    expect(server.count - before).toBe(18 - logged);
    const log = await all<FollowupLogRow>(run, 'followup-log');
    expect(log).toHaveLength(18);
    expect(new Set(log.map((l) => `${l.study_id}:${l.entity}`)).size).toBe(18);
    const rows = await all<FollowupRow>(run, 'followup');
    expect(rows).toHaveLength(6);
    for (const r of rows) expect((r.keyinfo as { no_entity: string[] }).no_entity).toEqual(['pneumothorax']);
    expect(run.state.cycles[0]!.counts).toMatchObject({ studies: 6, asked: 18, answered: 18, changed: 6 });
  });

  it('stops with one clear message when every request would fail the same way, recording nothing as done', async () => {
    server = await startLoopbackServer({ respond: () => ({ status: 401, message: 'key revoked' }) });
    const { run } = await makeRun([{ refPositives: ['edema'] }, { refPositives: ['nodule'] }], server.url);
    runs.push(run);
    await expect(runStep(run, fu, { signal: signal(), env: env(1) })).rejects.toThrow(
      /Follow-up stopped: .*key revoked/,
    );
    expect(run.state.steps.followup!.status).toBe('failed');
    expect(await all(run, 'followup')).toEqual([]);
    expect(await all(run, 'followup-log')).toEqual([]);
    expect(run.state.cycles[0]!.counts).toEqual({});
  });

  it('is skipped with a reason under the rules backend, and the pipeline completes', async () => {
    server = await startLoopbackServer();
    const { run } = await makeRun([{ refPositives: ['edema'] }], server.url);
    runs.push(run);
    await run.update((s) => (s.config.backend = 'rules'));
    const events: RunnerEvent[] = [];
    expect(
      await runPipeline(run, planFor([std, fu]), {
        signal: signal(),
        env: env(),
        cycles: 2,
        onEvent: (e) => events.push(e),
      }),
    ).toBe('done');
    const end = events.find((e) => e.type === 'step-end' && e.stepId === 'followup');
    expect(end).toMatchObject({ status: 'skipped', summary: expect.stringMatching(/needs an LLM backend/) });
    expect(server.count).toBe(0);
    expect(run.state.cycles).toEqual([]);
  });
});

describe('cycles through runPipeline', () => {
  it('alternates follow-up and standardize, records each cycle, and does not redo finished cycles', async () => {
    // The model adds what it is asked about, except nodules.
    server = await startLoopbackServer({
      respond: (req) => {
        const a = readAsk(req)!;
        return a.entity === 'nodule' ? unchanged(a) : addAsked(a);
      },
    });
    const studies: FuStudy[] = Array.from({ length: 5 }, () => ({
      positives: ['edema'],
      refPositives: ['edema', 'atelectasis', 'nodule'],
      refNegatives: ['pneumothorax'],
    }));
    const { run } = await makeRun(studies, server.url);
    runs.push(run);
    expect(await runPipeline(run, planFor([std, fu]), { signal: signal(), env: env(), cycles: 2 })).toBe('done');
    expect(run.state.cycles.map((c) => [c.cycle, c.finishedAt !== null])).toEqual([
      [1, true],
      [2, true],
    ]);
    expect(run.state.cycles[0]!.counts).toMatchObject({
      studies: 5,
      asked: 15,
      answered: 15,
      changed: 5,
      added_entity: 5,
      added_no_entity: 5,
    });
    // Cycle 2 only asks again about what the model declined (the nodule).
    expect(run.state.cycles[1]!.counts).toMatchObject({ asked: 5, changed: 0 });
    const stdRows = await all<StandardizedRow>(run, 'standardized');
    expect(stdRows.every((r) => r.cycle === 2 && r.source === 'followup')).toBe(true);
    expect(Object.keys(stdRows[0]!.keyinfo.entity).sort()).toEqual(['atelectasis', 'edema']);
    expect(stdRows[0]!.keyinfo.no_entity).toEqual(['pneumothorax']);
    const followRows = await all<FollowupRow>(run, 'followup');
    expect(followRows.map((r) => r.cycle).sort()).toEqual([1, 1, 1, 1, 1, 2, 2, 2, 2, 2]);
    const asked = server.count;
    expect(await runPipeline(run, planFor([std, fu]), { signal: signal(), env: env(), cycles: 2 })).toBe('done');
    expect(server.count).toBe(asked);
    expect(await runPipeline(run, planFor([std, fu]), { signal: signal(), env: env(), cycles: 3 })).toBe('done');
    expect(run.state.cycles).toHaveLength(3);
    // `cxrvqa status` shows the history as a table.
    expect(formatStatus(run)).toMatch(/^\s*cycle\s+asked\s+answered\s+changed\s+\+entity\s+\+no_entity/m);
    expect(formatStatus(run)).toMatch(/^\s*1\s+15\s+15\s+5\s+5\s+5\s+0\s+0\s+0\s+done$/m);
  });

  it('resumes cycle k after an interruption instead of starting it fresh', async () => {
    const controller = new AbortController();
    let n = 0;
    server = await startLoopbackServer({
      respond: async (req) => {
        n++;
        if (n === 4) controller.abort();
        await sleep(5);
        return addAsked(readAsk(req)!);
      },
    });
    const studies: FuStudy[] = Array.from({ length: 4 }, () => ({ refPositives: ['edema', 'atelectasis'] }));
    const { run } = await makeRun(studies, server.url, { concurrency: 1 });
    runs.push(run);
    expect(await runPipeline(run, planFor([std, fu]), { signal: controller.signal, env: env(), cycles: 1 })).toBe(
      'interrupted',
    );
    expect(run.state.cycles).toHaveLength(1);
    expect(run.state.cycles[0]!.finishedAt).toBeNull();
    const events: RunnerEvent[] = [];
    expect(
      await runPipeline(run, planFor([std, fu]), {
        signal: signal(),
        env: env(),
        cycles: 1,
        onEvent: (e) => events.push(e),
      }),
    ).toBe('done');
    expect(events.find((e) => e.type === 'step-start' && e.stepId === 'followup')).toMatchObject({ mode: 'resume' });
    const log = await all<FollowupLogRow>(run, 'followup-log');
    expect(log).toHaveLength(8);
    expect(run.state.cycles[0]).toMatchObject({ counts: { asked: 8, changed: 4 } });
    expect(run.state.cycles[0]!.finishedAt).not.toBeNull();
    expect((await all<StandardizedRow>(run, 'standardized')).every((r) => r.cycle === 1)).toBe(true);
  });
});

describe('cycles requested and steps chosen separately', () => {
  it('skips follow-up with a reason when no cycles are requested', async () => {
    server = await startLoopbackServer();
    const { run } = await makeRun([{ refPositives: ['edema'] }], server.url);
    runs.push(run);
    const events: RunnerEvent[] = [];
    expect(
      await runPipeline(run, planFor([std, fu]), {
        signal: signal(),
        env: env(),
        cycles: 0,
        onEvent: (e) => events.push(e),
      }),
    ).toBe('done');
    expect(events.find((e) => e.type === 'step-end' && e.stepId === 'followup')).toMatchObject({
      status: 'skipped',
      summary: expect.stringMatching(/no follow-up cycles requested/),
    });
    expect(server.count).toBe(0);
  });

  it('finishes a cycle whose follow-up ran alone when standardize runs next', async () => {
    server = await startLoopbackServer({ respond: (req) => addAsked(readAsk(req)!) });
    const { run } = await makeRun([{ refPositives: ['edema'] }], server.url);
    runs.push(run);
    expect(await runPipeline(run, planFor([std]), { signal: signal(), env: env() })).toBe('done');
    expect(await runPipeline(run, planFor([fu]), { signal: signal(), env: env(), cycles: 1 })).toBe('done');
    expect(run.state.cycles).toMatchObject([{ cycle: 1, finishedAt: null, counts: { asked: 1 } }]);
    expect(await runPipeline(run, planFor([std]), { signal: signal(), env: env() })).toBe('done');
    expect(run.state.cycles[0]!.finishedAt).not.toBeNull();
    const rows = await all<StandardizedRow>(run, 'standardized');
    expect(rows.map((r) => [r.cycle, r.source, Object.keys(r.keyinfo.entity)])).toEqual([[1, 'followup', ['edema']]]);
  });
});

describe('cycle series restart', () => {
  it('starts the cycles over when the extraction changed under them, keeping the old log aside', async () => {
    server = await startLoopbackServer({ respond: (req) => addAsked(readAsk(req)!) });
    const { run, dir } = await makeRun([{ refPositives: ['edema'] }, { refNegatives: ['pneumothorax'] }], server.url);
    runs.push(run);
    await runPipeline(run, planFor([std, fu]), { signal: signal(), env: env(), cycles: 1 });
    expect(run.state.cycles).toHaveLength(1);
    // A re-extraction appends new raw rows and bumps the artifact.
    run
      .artifact<{ study_id: string; status: string; keyinfo: unknown; backend: string }>('raw')
      .append({ study_id: 's000000', status: 'ok', keyinfo: { entity: { edema: {} } }, backend: 'llm' });
    run.artifact('raw').close();
    await run.update((s) => void (s.artifacts.raw!.version += 1));
    const before = server.count;
    expect(await runPipeline(run, planFor([std, fu]), { signal: signal(), env: env(), cycles: 1 })).toBe('done');
    expect(run.state.cycles).toHaveLength(1);
    expect(run.state.cycles[0]!.finishedAt).not.toBeNull();
    // Study 0 now has edema from the extraction; only study 1's negative is asked again, and the
    // identical conversation is answered from the LLM cache.
    expect(server.count - before).toBe(0);
    const fs = await import('node:fs');
    expect(
      fs.readdirSync(`${dir}/artifacts`).some((f) => f.startsWith('followup-log.jsonl.') && f.endsWith('.bak')),
    ).toBe(true);
    expect((await all<FollowupLogRow>(run, 'followup-log')).map((l) => [l.study_id, l.entity, l.status])).toEqual([
      ['s000001', 'pneumothorax', 'applied'],
    ]);
    expect(run.state.steps.followup!.counts.cached).toBe(1);
  });
});
