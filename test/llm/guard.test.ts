import { describe, expect, it } from 'vitest';
import { EndpointSchema } from '../../src/pipeline/llm/config.js';
import { checkDataUse, classifyEndpoint } from '../../src/pipeline/llm/guard.js';
import { UserError } from '../../src/pipeline/util/errors.js';

const ep = (url: string, kind: 'openai' | 'azure' = 'openai') => EndpointSchema.parse({ url, kind });
const none = new Set<string>();

describe('data-use guard', () => {
  it('classifies endpoints', () => {
    expect(classifyEndpoint(ep('http://127.0.0.1:8000/v1'))).toBe('loopback');
    expect(classifyEndpoint(ep('http://localhost:8000/v1'))).toBe('loopback');
    expect(classifyEndpoint(ep('http://[::1]:8000/v1'))).toBe('loopback');
    expect(classifyEndpoint(ep('http://10.1.2.3:8000/v1'))).toBe('private');
    expect(classifyEndpoint(ep('http://172.20.0.5/v1'))).toBe('private');
    expect(classifyEndpoint(ep('http://192.168.1.9/v1'))).toBe('private');
    expect(classifyEndpoint(ep('http://172.32.0.5/v1'))).toBe('public');
    expect(classifyEndpoint(ep('https://myres.openai.azure.com'))).toBe('azure');
    expect(classifyEndpoint(ep('https://api.openai.com/v1'))).toBe('public-openai');
    expect(classifyEndpoint(ep('https://llm.example.com/v1'))).toBe('public');
  });

  it('classifies IPv4-mapped IPv6 hosts by their IPv4 address (URL parsing rewrites them to hex)', () => {
    // new URL() turns [::ffff:127.0.0.1] into [::ffff:7f00:1], so the dotted form is never seen.
    expect(classifyEndpoint(ep('http://[::ffff:127.0.0.1]:8000/v1'))).toBe('loopback');
    expect(classifyEndpoint(ep('http://[::ffff:10.0.0.1]/v1'))).toBe('private');
    expect(classifyEndpoint(ep('http://[::ffff:c0a8:109]/v1'))).toBe('private');
    expect(classifyEndpoint(ep('http://[::ffff:8.8.8.8]/v1'))).toBe('public');
  });

  it('lets credentialed data go to local and private endpoints with nothing to confirm', () => {
    expect(() =>
      checkDataUse([ep('http://127.0.0.1:8000/v1'), ep('http://10.0.0.2:8000/v1')], true, none),
    ).not.toThrow();
  });

  it('needs a per-run confirmation for Azure, and says why and what to do', () => {
    const f = () => checkDataUse([ep('https://myres.openai.azure.com', 'azure')], true, none);
    expect(f).toThrow(UserError);
    try {
      f();
    } catch (e) {
      expect((e as UserError).message).toMatch(/human review/);
      expect((e as UserError).hint).toMatch(/--confirm azure-data-use/);
    }
    expect(() =>
      checkDataUse([ep('https://myres.openai.azure.com', 'azure')], true, new Set(['azure-data-use'])),
    ).not.toThrow();
  });

  it('refuses the public OpenAI API for credentialed data unless overridden', () => {
    expect(() => checkDataUse([ep('https://api.openai.com/v1')], true, none)).toThrow(/public OpenAI API/);
    expect(() => checkDataUse([ep('https://api.openai.com/v1')], true, new Set(['azure-data-use']))).toThrow(UserError);
    expect(() => checkDataUse([ep('https://api.openai.com/v1')], true, new Set(['public-openai']))).not.toThrow();
  });

  it('refuses other public hosts for credentialed data unless confirmed', () => {
    expect(() => checkDataUse([ep('https://llm.example.com/v1')], true, none)).toThrow(/public host/);
    expect(() => checkDataUse([ep('https://llm.example.com/v1')], true, new Set(['public-endpoint']))).not.toThrow();
  });

  it('does not restrict corpora that are not credentialed', () => {
    expect(() => checkDataUse([ep('https://api.openai.com/v1')], false, none)).not.toThrow();
  });
});
