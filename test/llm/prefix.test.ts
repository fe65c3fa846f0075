import { afterEach, describe, expect, it } from 'vitest';
import { modelText } from '../../src/pipeline/extract/request.js';
import { tokenize } from '../../src/pipeline/finetune/serve/vllm.js';
import { followupMessages, loadQuestionTemplate, questionText } from '../../src/pipeline/followup/prompts.js';
import { ESTIMATE_LABEL, describeSource, measurePrefix } from '../../src/pipeline/llm/prefix.js';
import { extractionMessages, loadPrompt } from '../../src/pipeline/llm/prompts.js';
import type { ChatMessage } from '../../src/pipeline/llm/types.js';
import { synthReportRecords } from '../../scripts/lib/synth.js';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server.js';

let server: LoopbackServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/**
 * A vLLM-like /tokenize: renders the chat with role markers (as a chat template
 * does) and maps words, spaces and punctuation to ids, so equal ids mean equal text.
 */
function tokenizeRoute(calls: { n: number }) {
  const ids = new Map<string, number>();
  return ({ method, path, body }: { method: string; path: string; body: string }) => {
    if (path !== '/tokenize' || method !== 'POST') return null;
    calls.n++;
    const b = JSON.parse(body) as { messages: ChatMessage[] };
    const text = b.messages.map((m) => `<|${m.role}|>${m.content}<|end|>`).join('') + '<|assistant|>';
    const tokens = (text.match(/<\|[a-z]+\|>|\s+|[A-Za-z0-9]+|[^\sA-Za-z0-9]/g) ?? []).map((p) => {
      if (!ids.has(p)) ids.set(p, ids.size + 100);
      return ids.get(p)!;
    });
    return { status: 200, body: { count: tokens.length, max_model_len: 8192, tokens } };
  };
}

function served(url: string) {
  const root = url.replace(/\/v1$/, '');
  const signal = new AbortController().signal;
  return {
    label: `/tokenize at ${root}`,
    tokenize: (messages: ChatMessage[]) =>
      tokenize(root, { model: 'extractor', messages, add_generation_prompt: true }, signal),
  };
}

const studies = [...synthReportRecords({ studies: 12, seed: '7' })];

describe('prompt layout for prefix caching', () => {
  it('extract with the full prompt: the served tokenizer counts every prompt and >= 80% is a shared prefix', async () => {
    const calls = { n: 0 };
    server = await startLoopbackServer({ routes: tokenizeRoute(calls) });
    const prompt = loadPrompt('full');
    const prompts = studies.map(({ record }) => extractionMessages(prompt, modelText(record)));
    const f = await measurePrefix(prompts, served(server.url));
    expect(calls.n).toBe(studies.length);
    expect(describeSource(f.source)).toMatch(/^\/tokenize at http:\/\/127\.0\.0\.1:\d+$/);
    // Everything before the report (the system turn) is shared: the instructions and examples come first.
    const systemOnly = await served(server.url).tokenize([{ role: 'system', content: prompt.text }]);
    expect(f.sharedTokens).toBeGreaterThanOrEqual(systemOnly!.length - 1);
    expect(f.share).toBeGreaterThanOrEqual(0.8);
    expect(f.sharedTokens).toBeLessThan(f.meanTokens);
  });

  it('follow-up questions keep the extraction prompt first: the report, JSON and question come after it', async () => {
    const calls = { n: 0 };
    server = await startLoopbackServer({ routes: tokenizeRoute(calls) });
    const prompt = loadPrompt('full');
    const question = questionText(loadQuestionTemplate('followup-negative'), 'pneumothorax');
    const prompts = studies.map(({ record, truth }) =>
      followupMessages(prompt.text, modelText(record), truth, question),
    );
    const f = await measurePrefix(prompts, served(server.url));
    const systemOnly = await served(server.url).tokenize([{ role: 'system', content: prompt.text }]);
    expect(f.sharedTokens).toBeGreaterThanOrEqual(systemOnly!.length - 1);
    expect(f.share).toBeGreaterThan(0.7);
  });

  it('a server without /tokenize gives the chars/4 estimate, labelled as such', async () => {
    server = await startLoopbackServer();
    const prompt = loadPrompt('full');
    const prompts = studies.map(({ record }) => extractionMessages(prompt, modelText(record)));
    const f = await measurePrefix(prompts, served(server.url));
    expect(f.source).toEqual({ kind: 'estimate' });
    expect(describeSource(f.source)).toBe(ESTIMATE_LABEL);
    expect(f.sharedTokens).toBeGreaterThanOrEqual(prompt.text.length / 4);
    expect(f.share).toBeGreaterThanOrEqual(0.8);
  });

  it('a report put before the instructions would share almost nothing (what the figure guards against)', async () => {
    const prompt = loadPrompt('full');
    const reportFirst = studies.map(({ record }): ChatMessage[] => [
      { role: 'user', content: modelText(record) },
      { role: 'system', content: prompt.text },
    ]);
    const f = await measurePrefix(reportFirst);
    expect(f.share).toBeLessThan(0.1);
  });
});
