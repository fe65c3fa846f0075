import { describe, expect, it } from 'vitest';
import { EndpointSchema, parseLlmConfig, resolveProfile } from '../../src/pipeline/llm/config.js';
import { endpointUrlProblem } from '../../src/pipeline/llm/credentials.js';
import { applyLlmSettings } from '../../src/pipeline/llm/settings.js';
import { UserError } from '../../src/pipeline/util/errors.js';

const SECRET = 'sk-proj-s3cr3tT0k3nValue1234';

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return `${(e as UserError).message} | ${(e as UserError).hint ?? ''}`;
  }
  throw new Error('expected a UserError');
}

describe('secrets never enter the LLM settings', () => {
  it('refuses an endpoint URL with a key in the userinfo, without echoing the key, and says what to do', () => {
    const m = refusal(() => applyLlmSettings({}, { endpoint: [`http://user:${SECRET}@gpu.example.org/v1`] }));
    expect(m).toMatch(/credential/i);
    expect(m).toMatch(/--key-env/);
    expect(m).not.toContain(SECRET);
    expect(m).not.toContain('s3cr3t');
  });

  it('refuses a URL whose query carries a key, token, signature, secret or password', () => {
    for (const q of [
      `api-key=${SECRET}`,
      `access_token=${SECRET}`,
      `sig=${SECRET}`,
      `client_secret=${SECRET}`,
      `password=${SECRET}`,
    ]) {
      const m = refusal(() => applyLlmSettings({}, { endpoint: [`https://llm.example.org/v1?${q}`] }));
      expect(m).toMatch(/credential/i);
      expect(m).not.toContain(SECRET);
    }
    // An Azure resource given with --azure is checked the same way.
    expect(
      refusal(() => applyLlmSettings({}, { azure: `https://res.openai.azure.com?api-key=${SECRET}` })),
    ).not.toContain(SECRET);
  });

  it('accepts plain URLs and query parameters that are not secrets', () => {
    expect(endpointUrlProblem('http://127.0.0.1:8000/v1')).toBeNull();
    expect(endpointUrlProblem('https://res.openai.azure.com/openai?api-version=2024-10-21')).toBeNull();
    expect(endpointUrlProblem('http://10.0.0.5/v1?author=me&design=a&monkey=1')).toBeNull();
    expect(endpointUrlProblem(`http://10.0.0.5/v1?apikey=${SECRET}`)).toMatch(/credential/);
    expect(applyLlmSettings({}, { endpoint: ['http://gpu-box.lan:8000/v1'] }).endpoints[0]!.url).toBe(
      'http://gpu-box.lan:8000/v1',
    );
  });

  it('refuses a --key-env value that is a key rather than a variable name, without printing it', () => {
    for (const bad of [
      SECRET,
      'my key',
      '1ABC',
      'abc-def',
      '0123456789abcdef0123456789abcdef',
      'c0ffee0123456789abcdef0123456789',
    ]) {
      const m = refusal(() => applyLlmSettings({}, { endpoint: ['http://127.0.0.1:8000/v1'], keyEnv: bad }));
      expect(m).toMatch(/name of an environment variable/);
      expect(m).toMatch(/export /);
      expect(m).not.toContain(bad);
    }
    // Also as an --endpoint option.
    expect(
      refusal(() => applyLlmSettings({}, { endpoint: [`http://127.0.0.1:8000/v1,key-env=${SECRET}`] })),
    ).not.toContain(SECRET);
    expect(
      applyLlmSettings({}, { endpoint: ['http://127.0.0.1:8000/v1'], keyEnv: 'OPENAI_API_KEY' }).endpoints[0]!.keyEnv,
    ).toBe('OPENAI_API_KEY');
    expect(
      applyLlmSettings({}, { endpoint: ['http://127.0.0.1:8000/v1'], keyEnv: '_my_key2' }).endpoints[0]!.keyEnv,
    ).toBe('_my_key2');
  });

  it('refuses a --key-file value that is a key rather than a path, without printing it', () => {
    const m = refusal(() => applyLlmSettings({}, { endpoint: ['http://127.0.0.1:8000/v1'], keyFile: SECRET }));
    expect(m).toMatch(/--key-file takes the path/);
    expect(m).not.toContain(SECRET);
    expect(
      applyLlmSettings({}, { endpoint: ['http://127.0.0.1:8000/v1'], keyFile: '/secrets/sk-proj-key.txt' })
        .endpoints[0]!.keyFile,
    ).toBe('/secrets/sk-proj-key.txt');
    expect(
      applyLlmSettings({}, { endpoint: ['http://127.0.0.1:8000/v1'], keyFile: 'vllm.key' }).endpoints[0]!.keyFile,
    ).toBe('vllm.key');
  });

  it('a state.json that already holds a credential in a URL is refused with the fix, redacted', () => {
    const stored = { endpoints: [{ url: `http://admin:${SECRET}@10.0.0.5:8000/v1` }], model: 'm' };
    const m = refusal(() => parseLlmConfig(stored));
    expect(m).toMatch(/credential/i);
    expect(m).toMatch(/cxrvqa llm set --endpoint/);
    expect(m).not.toContain(SECRET);
    expect(refusal(() => resolveProfile({ llm: stored }))).not.toContain(SECRET);
    // ... and `llm set --endpoint` replaces it (the bad stored value does not block the fix).
    const fixed = applyLlmSettings(stored, { endpoint: ['http://10.0.0.5:8000/v1'], keyEnv: 'VLLM_KEY' });
    expect(JSON.stringify(fixed)).not.toContain(SECRET);
    expect(fixed.model).toBe('m');
  });

  it('a stored key in keyEnv (a profile too) is refused and not printed', () => {
    const stored = {
      endpoints: [{ url: 'http://127.0.0.1:8000/v1' }],
      model: 'm',
      profiles: { gold: { endpoints: [{ url: 'http://127.0.0.1:8001/v1', keyEnv: SECRET }] } },
    };
    const m = refusal(() => resolveProfile({ llm: stored }, 'gold'));
    expect(m).toMatch(/name of an environment variable/);
    expect(m).not.toContain(SECRET);
  });

  it('the schema itself refuses credentials, so every way in (wizard included) is covered', () => {
    expect(EndpointSchema.safeParse({ url: `http://u:${SECRET}@h/v1` }).success).toBe(false);
    const problem = endpointUrlProblem(`http://u:${SECRET}@h/v1`);
    expect(problem).toMatch(/credential/i);
    expect(problem).not.toContain(SECRET);
    expect(endpointUrlProblem('not a url')).toMatch(/not a URL/);
  });
});
