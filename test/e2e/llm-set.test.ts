import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cxrvqa-llmset-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
// In process (test/helpers/run-cli.ts): these check what the commands record and print, not the binary.
const cli = (...args: string[]) => runCli(args, { cwd: tmp });

describe('cxrvqa llm set', () => {
  it('says when the run still uses the rules backend, so a later `cxrvqa run` is not a silent rules run', async () => {
    const r = await cli('llm', 'set', '--run', 'x', '--endpoint', 'http://127.0.0.1:9/v1', '--model', 'extractor');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('note: this run uses the rules backend; pass --backend llm to cxrvqa run');
    // Once the run uses the LLM backend, no note.
    const state = path.join(tmp, 'x', 'state.json');
    const s = JSON.parse(fs.readFileSync(state, 'utf8'));
    s.config.backend = 'llm';
    fs.writeFileSync(state, JSON.stringify(s));
    const again = await cli('llm', 'set', '--run', 'x', '--model', 'extractor');
    expect(again.status).toBe(0);
    expect(again.stdout).not.toContain('note:');
  });

  it('cxrvqa run takes --concurrency and keeps it in the run', async () => {
    // --steps ingest: the LLM settings are recorded, no endpoint is contacted.
    const r = await cli(
      'run',
      '--run',
      'y',
      '--sample',
      '--steps',
      'ingest',
      '--endpoint',
      'http://127.0.0.1:9/v1',
      '--model',
      'extractor',
      '--concurrency',
      '48',
    );
    expect(r.status).toBe(0);
    const s = JSON.parse(fs.readFileSync(path.join(tmp, 'y', 'state.json'), 'utf8'));
    expect(s.config.llm.concurrency).toBe(48);
  });

  it('llm show lists the prices set with --price, so the cost shown during a run can be checked', async () => {
    expect(
      (
        await cli(
          'llm',
          'set',
          '--run',
          'p',
          '--endpoint',
          'http://127.0.0.1:9/v1',
          '--model',
          'extractor',
          '--price',
          'extractor=0.5,1.5',
        )
      ).status,
    ).toBe(0);
    const r = await cli('llm', 'show', '--run', 'p');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/prices \(USD per million tokens, in\/out\): extractor 0\.5\/1\.5/);
  });

  const KEY = 'sk-proj-e2eS3cretValue0000';

  it('refuses a key inside the endpoint URL or given as --key-env, on llm set and on run, and stores nothing', async () => {
    for (const args of [
      ['llm', 'set', '--run', 'sec', '--endpoint', `http://user:${KEY}@127.0.0.1:9/v1`, '--model', 'extractor'],
      ['llm', 'set', '--run', 'sec', '--endpoint', `http://127.0.0.1:9/v1?api-key=${KEY}`, '--model', 'extractor'],
      ['llm', 'set', '--run', 'sec', '--endpoint', 'http://127.0.0.1:9/v1', '--key-env', KEY],
      ['run', '--run', 'sec', '--sample', '--steps', 'ingest', '--endpoint', 'http://127.0.0.1:9/v1', '--key-env', KEY],
    ]) {
      const r = await cli(...args);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/--key-env/);
      expect(r.stdout + r.stderr).not.toContain('e2eS3cret');
      const state = path.join(tmp, 'sec', 'state.json');
      if (fs.existsSync(state)) expect(fs.readFileSync(state, 'utf8')).not.toContain('e2eS3cret');
    }
  });

  it('a state.json that already holds a key in a URL: llm show says how to fix it without printing the key, and llm set fixes it', async () => {
    expect(
      (await cli('llm', 'set', '--run', 'old', '--endpoint', 'http://127.0.0.1:9/v1', '--model', 'extractor')).status,
    ).toBe(0);
    const state = path.join(tmp, 'old', 'state.json');
    const s = JSON.parse(fs.readFileSync(state, 'utf8'));
    s.config.llm.endpoints[0].url = `http://admin:${KEY}@127.0.0.1:9/v1`;
    fs.writeFileSync(state, JSON.stringify(s));
    const shown = await cli('llm', 'show', '--run', 'old');
    expect(shown.status).toBe(2);
    expect(shown.stderr).toMatch(/credential/);
    expect(shown.stderr).toMatch(/cxrvqa llm set --endpoint/);
    expect(shown.stdout + shown.stderr).not.toContain('e2eS3cret');
    const fixed = await cli(
      'llm',
      'set',
      '--run',
      'old',
      '--endpoint',
      'http://127.0.0.1:9/v1',
      '--key-env',
      'VLLM_API_KEY',
    );
    expect(fixed.status).toBe(0);
    expect(fs.readFileSync(state, 'utf8')).not.toContain('e2eS3cret');
    expect(fixed.stdout).toMatch(/key: \$VLLM_API_KEY/);
  });

  it('llm set --data-use not-credentialed needs --confirm not-credentialed, and llm show says whether the guard is on', async () => {
    expect((await cli('run', '--run', 'du', '--sample', '--steps', 'ingest')).status).toBe(0);
    const s = JSON.parse(fs.readFileSync(path.join(tmp, 'du', 'state.json'), 'utf8'));
    s.config.corpus.credentialed = true;
    fs.writeFileSync(path.join(tmp, 'du', 'state.json'), JSON.stringify(s));
    const refused = await cli('llm', 'set', '--run', 'du', '--data-use', 'not-credentialed');
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/--confirm not-credentialed/);
    expect((await cli('llm', 'show', '--run', 'du')).stdout).toMatch(/data use: credentialed corpus/);
    const ok = await cli(
      'llm',
      'set',
      '--run',
      'du',
      '--data-use',
      'not-credentialed',
      '--confirm',
      'not-credentialed',
    );
    expect(ok.status).toBe(0);
    expect(ok.stderr).toMatch(/warning: .*not credentialed/);
    expect(ok.stdout).toMatch(/data use: not credentialed: the data-use guard is off/);
  });
});
