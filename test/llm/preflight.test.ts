import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPrompt, preflightLlm } from '../../src/pipeline/llm/index.js';
import { applyLlmSettings } from '../../src/pipeline/llm/settings.js';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server.js';
import { testProfile } from '../helpers/llm.js';
import { userErrorOf } from '../helpers/lifecycle.js';

let s: LoopbackServer | null = null;
afterEach(async () => {
  await s?.close();
  s = null;
});
const base = { env: {}, confirmations: new Set<string>(), credentialed: true };

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

const message = userErrorOf;

describe('preflight: one clear message before any work', () => {
  it('passes for a served model and lists it', async () => {
    s = await startLoopbackServer({ models: ['extractor', 'other'] });
    const r = await preflightLlm(testProfile(s.url), base);
    expect(r[0]!.models).toContain('extractor');
    expect(s.count).toBe(0); // /v1/models only, no chat request
  });

  it('an endpoint that is down', async () => {
    const port = await freePort();
    const m = await message(preflightLlm(testProfile(`http://127.0.0.1:${port}/v1`), base));
    expect(m).toMatch(/not reachable/);
    expect(m).toMatch(/ECONNREFUSED/);
  });

  it('a wrong key (and the key is not printed)', async () => {
    s = await startLoopbackServer({ apiKey: 'sk-good-000000000' });
    const profile = testProfile(s.url, { endpoints: [{ url: s.url, keyEnv: 'MY_KEY' }] });
    const m = await message(preflightLlm(profile, { ...base, env: { MY_KEY: 'sk-bad-1111111111' } }));
    expect(m).toMatch(/rejected the key/);
    expect(m).toMatch(/\$MY_KEY/);
    expect(m).not.toContain('sk-bad-1111111111');
  });

  it('a key variable that is not set', async () => {
    s = await startLoopbackServer({});
    const m = await message(
      preflightLlm(testProfile(s.url, { endpoints: [{ url: s.url, keyEnv: 'NOPE_KEY' }] }), base),
    );
    expect(m).toMatch(/NOPE_KEY is not set/);
  });

  it('a model the server does not serve', async () => {
    s = await startLoopbackServer({ models: ['llama-a', 'llama-b'] });
    const m = await message(preflightLlm(testProfile(s.url), base));
    expect(m).toMatch(/"extractor" is not served/);
    expect(m).toMatch(/llama-a, llama-b/);
  });

  it('a prompt file that is missing', () => {
    expect(() => loadPrompt('/nonexistent/prompt.txt')).toThrow(/does not exist/);
    expect(loadPrompt('simple').text).toMatch(/no_entity/);
    expect(loadPrompt('full').text).toMatch(/uncertain_entity/);
  });

  it('no endpoint or no model configured', async () => {
    expect(await message(preflightLlm(testProfile([], {}), base))).toMatch(/No LLM endpoint/);
    expect(await message(preflightLlm({ ...testProfile('http://127.0.0.1:1/v1'), model: null }, base))).toMatch(
      /No model/,
    );
  });

  it('the data-use guard runs before anything is sent', async () => {
    const m = await message(preflightLlm(testProfile('https://api.openai.com/v1'), base));
    expect(m).toMatch(/public OpenAI/);
  });
});

describe('LLM settings from the command line', () => {
  it('stores endpoints with key references (never key values), model and decoding', () => {
    const c = applyLlmSettings(
      {},
      {
        endpoint: ['http://127.0.0.1:8000/v1,max=16', 'http://127.0.0.1:8001/v1'],
        keyEnv: 'VLLM_KEY',
        model: 'm',
        maxTokens: '512',
        price: ['m=0.1,0.2'],
      },
    );
    expect(c.endpoints).toHaveLength(2);
    expect(c.endpoints[0]).toMatchObject({ url: 'http://127.0.0.1:8000/v1', keyEnv: 'VLLM_KEY', maxConcurrency: 16 });
    expect(c.decoding.max_tokens).toBe(512);
    expect(c.prices.m).toEqual({ input: 0.1, output: 0.2 });
  });

  it('writes a named profile over the default', () => {
    const c = applyLlmSettings(
      { model: 'local' },
      {
        azure: 'https://r.openai.azure.com',
        deployment: 'gpt4o',
        apiVersion: '2024-10-21',
        keyEnv: 'AZ',
        model: 'gpt-4o',
        profile: 'gold',
      },
    );
    expect(c.model).toBe('local');
    expect(c.profiles.gold).toMatchObject({ model: 'gpt-4o' });
  });

  it('rejects bad values with a clear message', () => {
    expect(() => applyLlmSettings({}, { endpoint: ['not a url'] })).toThrow(/--endpoint/);
    expect(() => applyLlmSettings({}, { maxTokens: 'many' })).toThrow(/--max-tokens expects a number/);
  });
});
