import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { extractStep } from '../../src/pipeline/extract/step.js';
import { followupStep } from '../../src/pipeline/followup/step.js';
import { acceptExtraction, rerunExtraction } from '../../src/pipeline/inspect/rerun.js';
import { runStep } from '../../src/pipeline/runner/runStep.js';
import type { AnyStep } from '../../src/pipeline/steps/contract.js';
import { Run } from '../../src/pipeline/store/run.js';
import { closedAfterEach } from '../helpers/lifecycle.js';
import { DEFAULT_KEYINFO, startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server.js';
import { syntheticReports } from '../helpers/reports.js';
import { addAsked, env, makeRun, readAsk } from '../followup/fixtures.js';
import { headerText, paneLines } from '../../src/ui/inspector/llmLines.js';
import type { LlmExchange } from '../../src/pipeline/inspect/exchanges.js';
import { frameWidth, KEY, plain, pressAndWaitFor, renderApp, tempRun, waitForText } from './helpers/render.js';

const runs = closedAfterEach<Run>();
let server: LoopbackServer | null = null;
afterEach(async () => {
  cleanup();
  await server?.close();
  server = null;
});

const FENCED = '```json\n' + DEFAULT_KEYINFO + '\n```';
const signal = () => new AbortController().signal;

/**
 * Two studies through the loopback server: extraction (study 1's reply comes fenced and is
 * repaired), one follow-up cycle, and a re-run of study 0 that is answered from the cache.
 */
async function llmRun(): Promise<Run> {
  server = await startLoopbackServer({
    respond: (req) => {
      const ask = readAsk(req);
      if (ask) return addAsked(ask);
      return req.userText.includes('Study 1.') ? { content: FENCED } : { content: DEFAULT_KEYINFO };
    },
  });
  const study = { positives: ['edema'], refPositives: ['edema', 'atelectasis'], refNegatives: ['pneumothorax'] };
  const { run } = await makeRun([study, study], server.url);
  runs.push(run);
  expect(await runStep(run, extractStep as unknown as AnyStep, { signal: signal(), env: env() })).toBe('done');
  expect(await runStep(run, followupStep as unknown as AnyStep, { signal: signal(), env: env(1) })).toBe('done');
  const rerun = await rerunExtraction(run, syntheticReports(1)[0]!, { profile: '', prompt: 'simple' }, env(), signal());
  await acceptExtraction(run, rerun);
  return run;
}

describe('the inspector LLM pane', () => {
  it('lists a study’s requests and expands one: messages, raw reply, repair, tokens, latency, endpoint, cache', async () => {
    const run = await llmRun();
    const app = await renderApp(run, [], { initial: { screen: 'inspector', inspectorStudy: 's000001' }, rows: 60 });
    await waitForText(app, /finding\s+rules/);

    let frame = plain(await pressAndWaitFor(app, 'l', '── system ──'));
    expect(frame).toMatch(/▾ extract · repaired · [\d,]+ ms · [\d,]+ in \/ [\d,]+ out tokens · sent/);
    expect(frame).toContain('endpoint http://127.0.0.1');
    expect(frame).toContain('attempts 1 · model extractor');
    expect(frame).toContain('request key ✓');
    expect(frame).toContain('── user ──');
    expect(frame).toContain('FINDINGS: Study 1.');
    expect(frame).toContain('reply · kept in the result row');
    expect(frame).toContain('repair: dropped text before the JSON; dropped text after the JSON');
    expect(frame).toMatch(/- ```json/);
    // The other requests are listed collapsed below.
    expect(frame).toMatch(/▸ follow-up c1 q1 · applied/);
    expect(frame).toMatch(/▸ follow-up c1 q2 · applied/);

    // ] expands the next request: a follow-up question in full.
    frame = plain(await pressAndWaitFor(app, ']', /▾ follow-up c1 q1/));
    expect(frame).toContain('question (negative, pneumothorax): Is there pneumothorax in this report?');
    expect(frame).toContain('record change: + no_entity: pneumothorax');
    expect(frame).toContain('── assistant ──');
    expect(frame).toContain('reply · from the response cache');
    expect(frame).toMatch(/request 2\/3/);
    // ↑ scrolls back up to the extraction's header, now collapsed.
    await pressAndWaitFor(app, KEY.up, /▸ extract · repaired/);
    await run.close();
  });

  it('shows a re-run answered from the cache, and wraps long text to the terminal width', async () => {
    const run = await llmRun();
    const app = await renderApp(run, [], {
      initial: { screen: 'inspector', inspectorStudy: 's000000' },
      columns: 60,
      rows: 40,
    });
    await waitForText(app, /finding\s+rules/);
    await pressAndWaitFor(app, 'l', /▾ extract/);
    const frame = plain(await pressAndWaitFor(app, ']', /▾ re-run · ok/));
    // The header row is wrapped too at this width.
    expect(frame.replace(/\s+/g, ' ')).toMatch(/re-run · ok · 0 ms · [\d,]+ in \/ [\d,]+ out tokens · from the cache/);
    expect(frame).toContain('attempts 0');
    // The system prompt is longer than a row: it is wrapped, never cut, and no row is wider than the terminal.
    expect(frame).toContain('You are an assistant to a radiologist.');
    expect(frame).toContain('X-ray report you are given');
    // A continuation row keeps the message indent, without the space it was broken at.
    expect(frame).toMatch(/^ {6}X-ray report/m);
    expect(frame).toContain('reply · from the response cache');
    expect(frameWidth(frame)).toBeLessThanOrEqual(60);
    await run.close();
  });

  it('says that no LLM was used on the rules backend', async () => {
    const run = await tempRun();
    runs.push(run);
    type Row = { study_id: string } & Record<string, unknown>;
    run.artifact<Row>('reports').appendMany(syntheticReports(1));
    run.artifact<Row>('reference').append({ study_id: 's000000', entity: {}, no_entity: ['pneumothorax'] });
    run.artifact<Row>('raw').append({ study_id: 's000000', status: 'ok', keyinfo: {}, backend: 'rules' });
    for (const n of ['reports', 'reference', 'raw']) run.artifact(n).close();
    const app = await renderApp(run, [], { initial: { screen: 'inspector', inspectorStudy: 's000000' } });
    await waitForText(app, /finding\s+rules/);
    await pressAndWaitFor(app, 'l', 'No LLM was used for this report');
  });
});

describe('LLM pane rows', () => {
  const old: LlmExchange = {
    stage: 'extract',
    kind: 'extract',
    status: 'ok',
    reason: null,
    sent: true,
    messages: null,
    check: 'unchecked',
    messagesNote: 'cannot be rebuilt: the report record is missing',
    reply: null,
    replyNote: 'not kept (not in the response cache)',
    repair: null,
    usage: null,
    latencyMs: null,
    endpoint: null,
    cached: null,
    attempts: null,
    model: null,
    requestKey: null,
    at: null,
    followup: null,
  };

  it('say "unknown" for what a row written before this was recorded does not have', () => {
    expect(headerText(old)).toBe('extract · ok · latency unknown · tokens unknown · cache unknown');
    const rows = paneLines({ llmUsed: true, note: '1 request', exchanges: [old] }, 0, 80).map((l) => l.text);
    expect(rows).toContain('    endpoint unknown · attempts unknown · model unknown · key unknown');
    expect(rows).toContain('    reply · not kept (not in the response cache)');
  });
});
