import { describe, expect, it } from 'vitest';
import { EndpointSchema } from '../../src/pipeline/llm/config.js';
import { classifyEndpoint } from '../../src/pipeline/llm/guard.js';
import {
  checkEndpointSettings,
  PROVIDER_KINDS,
  PROVIDERS,
  providerFor,
} from '../../src/pipeline/llm/providers/index.js';
import { parseEndpointSpec } from '../../src/pipeline/llm/settings.js';

describe('LLM providers behind one interface', () => {
  it('the endpoint kinds are exactly the registered providers', () => {
    expect(PROVIDERS.map((p) => p.kind).sort()).toEqual([...PROVIDER_KINDS].sort());
    expect(EndpointSchema.safeParse({ url: 'http://127.0.0.1:8000/v1', kind: 'bedrock' }).success).toBe(false);
    expect(() => providerFor('bedrock')).toThrow(
      expect.objectContaining({ message: 'Unknown endpoint kind "bedrock".', hint: 'Known kinds: openai, azure.' }),
    );
  });

  it('each provider names the data-use class of its public hosts; loopback and LAN hosts are decided first', () => {
    const cls = (url: string, kind: 'openai' | 'azure' = 'openai') => classifyEndpoint({ url, kind });
    expect(cls('https://res.openai.azure.com', 'azure')).toBe('azure');
    expect(cls('https://res.openai.azure.com/openai/v1')).toBe('azure');
    expect(cls('https://api.openai.com/v1')).toBe('public-openai');
    expect(cls('https://llm.example.org/v1')).toBe('public');
    expect(cls('http://127.0.0.1:8000/v1', 'azure')).toBe('loopback');
    expect(cls('http://gpu-box.lan:8000/v1')).toBe('private');
  });

  it('a provider checks its own settings when an endpoint is set (Azure: a dated api-version)', () => {
    expect(() => parseEndpointSpec('https://res.openai.azure.com,api-version=latest', { kind: 'azure' })).toThrow(
      /apiVersion: a dated api-version like 2024-10-21/,
    );
    expect(
      parseEndpointSpec('https://res.openai.azure.com,api-version=2024-10-21,deployment=gpt4o', { kind: 'azure' }),
    ).toMatchObject({ kind: 'azure', apiVersion: '2024-10-21', deployment: 'gpt4o' });
    expect(() => checkEndpointSettings(EndpointSchema.parse({ url: 'ftp://127.0.0.1/v1' }))).toThrow(
      /an http\(s\) URL/,
    );
  });

  it('Azure needs a key; an OpenAI-compatible local server may run without one', () => {
    const azure = EndpointSchema.parse({ url: 'https://res.openai.azure.com', kind: 'azure' });
    const timing = {
      timeoutMs: 1000,
      idleTimeoutMs: 1000,
      whitespaceLimit: 64,
      stream: true,
      structured: 'auto' as const,
    };
    expect(() => providerFor('azure').create(azure, timing, { env: {} })).toThrow(/azure endpoint .* needs a key/);
    const local = providerFor('openai').create(EndpointSchema.parse({ url: 'http://127.0.0.1:1/v1' }), timing, {
      env: {},
    });
    expect(local.modelFor('m')).toBe('m');
    void local.close();
    const withKey = providerFor('azure').create({ ...azure, deployment: 'dep', keyEnv: 'K' }, timing, {
      env: { K: 'k-123456' } as NodeJS.ProcessEnv,
    });
    expect(withKey.modelFor('gpt-4o')).toBe('dep');
    void withKey.close();
  });
});
