import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { questionsStep } from '../../src/pipeline/questions/step.js';
import { applyConfig } from '../../src/pipeline/runner/configure.js';
import { runStep } from '../../src/pipeline/runner/runner.js';
import { staleReasons } from '../../src/pipeline/runner/status.js';
import type { AnyStep } from '../../src/pipeline/steps/contract.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/tmp.js';
import { makeRun } from './runFixture.js';

const step = questionsStep as unknown as AnyStep;
const opts = () => ({ signal: new AbortController().signal, env: { confirmations: new Set<string>(), env: {} } });
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const manifestOf = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'dataset', 'manifest.json'), 'utf8'));

describe('the style setting', () => {
  it('changing it stales the questions; the manifest and the questions cell show it', async () => {
    const run = await makeRun(dirs);
    try {
      expect(await runStep(run, step, opts())).toBe('done');
      expect(manifestOf(run.dir).style).toBe('improved');
      expect(await step.preview!(run)).toMatch(/^improved style · \d+ QA pairs/);
      // Writing the default explicitly changes nothing: runs made before the setting stay current.
      await applyConfig(run, { style: 'improved' });
      expect(staleReasons(run, step)).toEqual([]);

      await applyConfig(run, { style: 'release' });
      expect(staleReasons(run, step).map((r) => r.kind)).toEqual(['params']);
      expect(await runStep(run, step, opts())).toBe('done');
      expect(manifestOf(run.dir).style).toBe('release');
      expect(await step.preview!(run)).toMatch(/^release style · /);
      expect(staleReasons(run, step)).toEqual([]);
    } finally {
      await run.close();
    }
  });

  it('cxrvqa run --style keeps it in the run; a wrong value is refused before the run is made', async () => {
    const tmp = makeTempDir();
    dirs.push(tmp.dir);
    const bad = path.join(tmp.dir, 'bad');
    const r = await runCli(['run', '--sample', '--steps', 'ingest', '--style', 'relase', '--run', bad]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('Unknown style "relase"');
    expect(r.stderr).toContain('--style release');
    expect(fs.existsSync(bad)).toBe(false);

    const good = path.join(tmp.dir, 'good');
    const ok = await runCli(['run', '--sample', '--steps', 'ingest', '--style', 'release', '--run', good]);
    expect(ok.status, ok.stderr).toBe(0);
    const state = JSON.parse(fs.readFileSync(path.join(good, 'state.json'), 'utf8'));
    expect(state.config.style).toBe('release');
  }, 60_000);
});
