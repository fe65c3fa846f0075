import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { extractStep } from '../../src/pipeline/extract/step.js';
import { followupStep } from '../../src/pipeline/followup/step.js';
import { studyExchanges } from '../../src/pipeline/inspect/exchanges.js';
import { lineDiff, repairOf } from '../../src/pipeline/inspect/repairView.js';
import { StudyIndex } from '../../src/pipeline/inspect/studyIndex.js';
import { runStep } from '../../src/pipeline/runner/runStep.js';
import type { ExtractionResult } from '../../src/pipeline/schemas/extraction.js';
import type { FollowupLogRow } from '../../src/pipeline/followup/schema.js';
import type { AnyStep } from '../../src/pipeline/steps/contract.js';
import { Run } from '../../src/pipeline/store/run.js';
import { closedAfterEach } from '../helpers/lifecycle.js';
import { DEFAULT_KEYINFO, startLoopbackServer, type LoopbackServer, type Reply } from '../helpers/loopback-server.js';
import { llmRunWithReports } from '../extract/fixtures.js';
import { addAsked, env, makeRun, readAsk } from '../followup/fixtures.js';

const extract = extractStep as unknown as AnyStep;
const followup = followupStep as unknown as AnyStep;
const runs = closedAfterEach<Run>();
let server: LoopbackServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

const signal = () => new AbortController().signal;
const FENCED = '```json\n' + DEFAULT_KEYINFO + '\n```';

/** The messages the loopback server received for one synthetic study (extraction: two turns). */
function receivedFor(s: LoopbackServer, study: number, turns = 2) {
  const hit = s.requests.filter(
    (r) => r.body.messages.length === turns && r.body.messages[1]!.content.includes(`Study ${study}.`),
  );
  expect(hit.length).toBeGreaterThan(0);
  return hit.map((r) => r.body.messages);
}

async function extractRun(respond: (study: number) => Reply): Promise<Run> {
  server = await startLoopbackServer({ respond: (q) => respond(Number(/Study (\d+)\./.exec(q.userText)![1])) });
  const run = await llmRunWithReports(4, {
    model: 'extractor',
    endpoints: [{ url: server.url }],
    retries: { max: 2, baseMs: 10, maxMs: 50 },
  });
  runs.push(run);
  expect(await runStep(run, extract, { signal: signal(), env: env() })).toBe('done');
  return run;
}

const exchangesOf = async (run: Run, id: string) => studyExchanges(run, (await StudyIndex.build(run)).load(id));

describe('the LLM exchanges of a study', () => {
  it('records and shows, per extraction: the messages sent, the raw reply, the repair, tokens, latency, endpoint, cache', async () => {
    const run = await extractRun((n) => (n === 1 ? { content: FENCED } : { content: DEFAULT_KEYINFO }));
    const rows = new Map<string, ExtractionResult>();
    for await (const r of run.artifact<ExtractionResult>('raw').lines()) rows.set(r.study_id, r);
    expect(rows.get('s000001')).toMatchObject({ status: 'repaired', cached: false, attempts: 1 });
    expect(rows.get('s000001')!.endpoint).toContain('127.0.0.1');
    expect(typeof rows.get('s000001')!.latency_ms).toBe('number');

    const repaired = await exchangesOf(run, 's000001');
    expect(repaired.llmUsed).toBe(true);
    expect(repaired.exchanges).toHaveLength(1);
    const ex = repaired.exchanges[0]!;
    expect(ex).toMatchObject({
      stage: 'extract',
      kind: 'extract',
      status: 'repaired',
      check: 'matches',
      cached: false,
    });
    // The rebuilt messages are exactly what the server received.
    expect(ex.messages).toEqual(receivedFor(server!, 1)[0]);
    expect(ex.reply).toBe(FENCED);
    expect(ex.replyNote).toBe('kept in the result row');
    expect(ex.usage!.prompt_tokens).toBeGreaterThan(0);
    expect(ex.endpoint).toBe(rows.get('s000001')!.endpoint);
    expect(ex.repair!.steps.join('; ')).toMatch(/dropped text before the JSON/);
    expect(ex.repair!.diff).toContainEqual({ op: '-', text: '```json' });
    expect(ex.repair!.diff.some((d) => d.op === '+' && d.text.includes('"pleural effusion"'))).toBe(true);

    // An `ok` row keeps no text: the reply is read from the response cache, with no repair.
    const ok = (await exchangesOf(run, 's000000')).exchanges[0]!;
    expect(ok).toMatchObject({
      status: 'ok',
      reply: DEFAULT_KEYINFO,
      replyNote: 'from the response cache',
      repair: null,
    });
    expect(ok.messages).toEqual(receivedFor(server!, 0)[0]);

    // Run again from scratch: every answer comes from the cache, and the rows say so.
    const before = server!.count;
    expect(await runStep(run, extract, { signal: signal(), env: env(), force: true })).toBe('done');
    expect(server!.count).toBe(before);
    const again = (await exchangesOf(run, 's000001')).exchanges.at(-1)!;
    expect(again).toMatchObject({ cached: true, attempts: 0, latencyMs: 0, check: 'matches', reply: FENCED });
  });

  it('shows rows written before these fields existed as unknown, and says when the prompt changed since', async () => {
    const run = await extractRun(() => ({ content: DEFAULT_KEYINFO }));
    const file = run.artifactPath('raw');
    const old = fs
      .readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => {
        const {
          latency_ms: _l,
          endpoint: _e,
          cached: _c,
          attempts: _a,
          ...rest
        } = JSON.parse(l) as Record<string, unknown>;
        return JSON.stringify(rest);
      });
    fs.writeFileSync(file, old.join('\n') + '\n');
    const ex = (await exchangesOf(run, 's000002')).exchanges[0]!;
    expect(ex).toMatchObject({ latencyMs: null, cached: null, attempts: null, check: 'matches' });
    // The endpoint is still known from the cache entry.
    expect(ex.endpoint).toContain('127.0.0.1');
    expect(ex.reply).toBe(DEFAULT_KEYINFO);

    // A prompt file edited after the run: the rebuild no longer matches what was sent, and it says so.
    const prompt = `${run.dir}/my-prompt.txt`;
    fs.writeFileSync(prompt, 'Extract findings as JSON, please.');
    await run.update((s) => void ((s.config.llm as Record<string, unknown>).prompt = prompt));
    const changed = (await exchangesOf(run, 's000002')).exchanges[0]!;
    // The bundled prompt the run used is still found among the candidates.
    expect(changed.check).toBe('matches');
    fs.writeFileSync(
      file,
      old.map((l) => JSON.stringify({ ...JSON.parse(l), request_key: 'f'.repeat(64) })).join('\n') + '\n',
    );
    const differs = (await exchangesOf(run, 's000002')).exchanges[0]!;
    expect(differs.check).toBe('differs');
    expect(differs.messagesNote).toMatch(/do NOT hash to the recorded request key/);
    expect(differs.messages![0]!.content).toBe('Extract findings as JSON, please.');
  });

  it('says that no LLM was used for a run on the rules backend', async () => {
    const run = await llmRunWithReports(1, {});
    runs.push(run);
    run
      .artifact<{ study_id: string } & Record<string, unknown>>('raw')
      .append({ study_id: 's000000', status: 'ok', keyinfo: {}, backend: 'rules' });
    run.artifact('raw').close();
    const got = await exchangesOf(run, 's000000');
    expect(got).toMatchObject({ llmUsed: false, exchanges: [] });
    expect(got.note).toMatch(/No LLM was used.*rule-based reference/);
  });

  it('shows each follow-up question in full: messages sent, reply, what it changed in the record', async () => {
    let asked = 0;
    server = await startLoopbackServer({
      respond: (req) => {
        const a = readAsk(req)!;
        const reply = addAsked(a) as { content: string };
        // The second question's answer comes fenced: it is applied after a repair.
        return ++asked === 2 ? { content: '```json\n' + reply.content + '\n```' } : reply;
      },
    });
    const { run, ids } = await makeRun(
      [{ positives: ['edema'], refPositives: ['edema', 'atelectasis'], refNegatives: ['pneumothorax'] }],
      server.url,
    );
    runs.push(run);
    expect(await runStep(run, followup, { signal: signal(), env: env(1) })).toBe('done');
    const log: FollowupLogRow[] = [];
    for await (const r of run.artifact<FollowupLogRow>('followup-log').lines()) log.push(r);
    expect(log.map((r) => [r.status, r.cached, r.attempts])).toEqual([
      ['applied', false, 1],
      ['applied', false, 1],
    ]);

    const got = await exchangesOf(run, ids[0]!);
    const fu = got.exchanges.filter((e) => e.kind === 'followup');
    expect(fu.map((e) => e.stage)).toEqual(['follow-up c1 q1', 'follow-up c1 q2']);
    const sent = server.requests.map((r) => r.body.messages);
    expect(fu.map((e) => e.messages)).toEqual(sent);
    expect(fu.every((e) => e.check === 'matches')).toBe(true);
    expect(fu[0]!.followup).toMatchObject({ entity: 'pneumothorax', changes: ['+ no_entity: pneumothorax'] });
    expect(fu[1]!.followup).toMatchObject({ entity: 'atelectasis', changes: ['+ entity: atelectasis'] });
    expect(fu[0]!.reply).toBe(JSON.stringify(JSON.parse(fu[0]!.reply!)));
    expect(fu[1]!.reply).toMatch(/^```json/);
    expect(fu[1]!.repair!.steps.length).toBeGreaterThan(0);
    // The fixture's extraction row predates request keys and was never sent: shown, but unchecked.
    expect(got.exchanges[0]).toMatchObject({ kind: 'extract', check: 'unchecked', reply: null, latencyMs: null });
  });
});

describe('the repair diff', () => {
  it('keeps common lines and marks removed and added ones', () => {
    expect(lineDiff('```json\n{\n"a": 1,\n}\n```', '{\n"a": 1\n}')).toEqual([
      { op: '-', text: '```json' },
      { op: ' ', text: '{' },
      { op: '-', text: '"a": 1,' },
      { op: '+', text: '"a": 1' },
      { op: ' ', text: '}' },
      { op: '-', text: '```' },
    ]);
  });

  it('lists text-level then key-level repair steps, and nothing for a reply that needed none', () => {
    expect(
      repairOf(
        '{"entities": {"edema": {}}, "no_entity": "a, b", "opacity_vs_clear": {}, "uncertain_entity": []}',
        'stop',
      )?.steps,
    ).toEqual(['renamed keys (entities→entity)', 'split no_entity string into a list']);
    expect(repairOf('Here:\n{"entity": {"edema": {},}, "no_entity": []}', 'stop')?.steps).toEqual([
      'dropped text before the JSON',
      'repaired JSON syntax',
      'filled empty: opacity_vs_clear missing; uncertain_entity missing',
    ]);
    expect(
      repairOf('{"entity": {}, "no_entity": [], "opacity_vs_clear": {}, "uncertain_entity": []}', 'stop'),
    ).toBeNull();
    expect(repairOf('no JSON here', 'stop')).toBeNull();
  });
});
