import { afterEach, describe, expect, it } from 'vitest';
import { formatStatus } from '../../src/cli/commands/status.js';
import { extractStep } from '../../src/pipeline/extract/step.js';
import { collectRunReport } from '../../src/pipeline/report/collect.js';
import { renderMarkdown } from '../../src/pipeline/report/markdown.js';
import { runStep } from '../../src/pipeline/runner/runner.js';
import type { AnyStep } from '../../src/pipeline/steps/contract.js';
import { Run } from '../../src/pipeline/store/run.js';
import { DEFAULT_KEYINFO, startLoopbackServer, type LoopbackServer, type Reply } from '../helpers/loopback-server.js';
import { llmRunWithReports } from './fixtures.js';

const step = extractStep as unknown as AnyStep;
let server: LoopbackServer | null = null;
let run: Run | null = null;
afterEach(async () => {
  await server?.close();
  await run?.close();
  server = null;
  run = null;
});

describe('what an LLM step cost, and how its rows ended, outside the log', () => {
  it('status and the run report show the tokens, the cost and every row status, kept across a resume', async () => {
    // Report 3 is cut off twice (at max_tokens and again with the larger retry).
    server = await startLoopbackServer({
      respond: (q): Reply =>
        /Study 3\./.test(q.userText)
          ? { content: '{"entity": {', finishReason: 'length' }
          : { content: DEFAULT_KEYINFO },
    });
    run = await llmRunWithReports(8, {
      endpoints: [{ url: server.url }],
      model: 'extractor',
      prices: { extractor: { input: 2, output: 8 } },
      concurrency: 4,
    });
    const env = { confirmations: new Set<string>(), env: {} as NodeJS.ProcessEnv, maxFailed: 1 };
    expect(await runStep(run, step, { signal: new AbortController().signal, env })).toBe('done');
    const usage = run.state.steps.extract!.usage;
    expect(usage.tokensIn).toBeGreaterThan(0);
    expect(usage.costUsd).toBeCloseTo((usage.tokensIn * 2 + usage.tokensOut * 8) / 1e6, 9);
    const status = formatStatus(run);
    expect(status).toMatch(/tokens [\d,]+ in \/ [\d,]+ out, \$0\.\d{4}/);
    expect(status).toMatch(/ok=7 .*truncated=1/);
    const md = renderMarkdown(await collectRunReport(run));
    expect(md).toMatch(/tokens [\d,]+ in \/ [\d,]+ out, \$0\.\d{4}/);
    expect(md).toMatch(/\| truncated \| 1 \|/);
    // A resume adds what it spends to the step's total; a fresh start would reset it.
    await run.update((s) => void (s.steps.extract!.status = 'interrupted'));
    await runStep(run, step, { signal: new AbortController().signal, env });
    expect(run.state.steps.extract!.usage.tokensIn).toBeGreaterThan(usage.tokensIn);
  });
});
