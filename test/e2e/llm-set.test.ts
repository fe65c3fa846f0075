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
    const r = await cli('run', '--run', 'y', '--sample', '--steps', 'ingest', '--endpoint', 'http://127.0.0.1:9/v1', '--model', 'extractor', '--concurrency', '48');
    expect(r.status).toBe(0);
    const s = JSON.parse(fs.readFileSync(path.join(tmp, 'y', 'state.json'), 'utf8'));
    expect(s.config.llm.concurrency).toBe(48);
  });

  it('llm show lists the prices set with --price, so the cost shown during a run can be checked', async () => {
    expect((await cli('llm', 'set', '--run', 'p', '--endpoint', 'http://127.0.0.1:9/v1', '--model', 'extractor', '--price', 'extractor=0.5,1.5')).status).toBe(0);
    const r = await cli('llm', 'show', '--run', 'p');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/prices \(USD per million tokens, in\/out\): extractor 0\.5\/1\.5/);
  });
});
