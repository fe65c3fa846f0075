import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyConfig, corpusConfigFrom } from '../../src/pipeline/runner/configure.js';
import { Run } from '../../src/pipeline/store/run.js';
import { writeCorpus } from '../../scripts/lib/writeCorpus.js';
import { requireTmux, screenWidth, TmuxApp } from './driver.js';

/**
 * The real binary in tmux at 80×24, driven by keystrokes: the bundled sample
 * from the first step to the statistics, then a kill -9 mid-step and a resume.
 * Needs `npm run build` first (`npm test` builds).
 */
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cxrvqa-e2e-'));
const env = { XDG_CONFIG_HOME: path.join(tmp, 'config'), HOME: tmp };
const apps: TmuxApp[] = [];
const app = (name: string) => {
  const a = new TmuxApp(name, env);
  apps.push(a);
  return a;
};

function fits(screen: string, columns: number, rows: number): void {
  expect(screenWidth(screen)).toBeLessThanOrEqual(columns);
  expect(screen.replace(/\n+$/, '').split('\n').length).toBeLessThanOrEqual(rows);
}

const studies = 50_000;
let corpus: Promise<string> | null = null;
/** A run on a generated 50k-report corpus: ingest takes seconds, long enough to interrupt. */
async function bigRun(name: string): Promise<string> {
  corpus ??= (async () => {
    const dir = path.join(tmp, 'corpus');
    await writeCorpus({ out: dir, studies, seed: '7' });
    return dir;
  })();
  const dir = await corpus;
  const runDir = path.join(tmp, name);
  const run = await Run.open(runDir, { create: true });
  await applyConfig(run, {
    corpus: corpusConfigFrom({ corpus: path.join(dir, 'files'), metadata: path.join(dir, 'metadata.csv') })!,
    backend: 'rules',
  });
  await run.close();
  return runDir;
}

const readState = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8'));

beforeAll(() => requireTmux());
afterAll(() => {
  for (const a of apps) a.kill();
});

describe('cxrvqa in tmux at 80×24', () => {
  it('runs the bundled sample from ingest to the dataset statistics with keystrokes', async () => {
    const runDir = path.join(tmp, 'sample');
    const t = app('sample');
    t.start(['demo', '--run', runDir]);
    let s = await t.waitFor(/10 steps[\s\S]*questions\s+not run/, 30_000, 'the notebook');
    expect(s).toContain('corpus: sample · backend: rules');
    fits(s, 80, 24);

    s = await (await t.send('?'), t.waitFor('Keys · notebook'));
    fits(s, 80, 24);
    await t.send('?');
    s = await (await t.send('Enter'), t.waitFor('Params'));
    expect(s).toContain('Ingest');
    await t.send('Escape');
    await t.waitFor('cxrvqa · notebook');

    // a: run every step in order; the progress view follows along
    await t.send('a');
    // The last step of the plan: its "done" stays on screen (an earlier step's may scroll away while the next runs).
    s = await t.waitFor(/\(check, fresh\) done/, 120_000, 'the last step (check) to finish');
    expect(s).toMatch(/█+ [\d,]+\/[\d,]+ 100\.0%/);
    expect(s).toContain('earlier in this run');
    fits(s, 80, 24);

    await t.send('Escape');
    s = await t.waitFor(/questions\s+done/);
    for (const id of ['ingest', 'reference', 'extract', 'standardize', 'questions'])
      expect(s).toMatch(new RegExp(`${id}\\s+done`));
    expect(s).toMatch(/gold\s+n\/a/);
    fits(s, 80, 24);

    // the statistics agree with what the run recorded
    await t.send('d');
    s = await t.waitFor(/QA pairs · [\d,]+ studies/);
    const count = readState(runDir).artifacts.questions.count as number;
    expect(count).toBeGreaterThan(0);
    expect(s).toContain(`${count.toLocaleString('en-US')} QA pairs`);
    expect(s).toMatch(new RegExp(`total\\s+${count}\\s+100%`));
    expect(s).toMatch(/presence\s+\d+/);
    fits(s, 80, 24);

    // the inspector on the real artifacts
    await t.send('Escape', 'i');
    await t.waitFor(/164 of 164 reports|\d+ of \d+ reports/);
    await t.send('Enter');
    await t.waitFor(/finding\s+rules\s+llm raw\s+std c0/);
    await t.send('Tab');
    await t.waitFor('provenance:');
    await t.send('Tab');
    s = await t.waitFor('selected section');
    expect(s).toContain('FINDINGS');
    fits(s, 80, 24);
    await t.send('Escape', 'Escape');
    await t.waitFor('cxrvqa · notebook');

    // resize: the layout follows the terminal
    t.resize(60, 20);
    s = await t.waitFor((x) => x.includes('cxrvqa · notebook') && screenWidth(x) <= 60);
    fits(s, 60, 20);
    t.resize(80, 24);
    await t.waitFor((x) => /questions\s+done/.test(x) || /▸/.test(x));

    // q quits; reopening restores the screen and the selected cell
    await t.send('Down', 'Down', 'q');
    await t.waitFor(() => t.paneDead(), 10_000, 'the app to exit');
    expect(readState(runDir).ui).toMatchObject({ screen: 'notebook', selectedStep: 'gold' });
    const again = app('sample-again');
    again.start(['open', '--run', runDir]);
    await again.waitFor(/▸\s*3 .*gold/, 30_000, 'the restored selection');
  }, 300_000);

  it('Ctrl-C stops a step gracefully; killed -9 mid-step, reopened, the step shows interrupted and resumes to the end', async () => {
    const runDir = await bigRun('big');

    const t = app('kill');
    t.start(['open', '--run', runDir]);
    await t.waitFor(/ingest\s+not run/, 30_000);
    const partial = (mode: string) => (x: string) => {
      const m = /([\d,]+)\/50,000/.exec(x);
      const n = m ? Number(m[1]!.replace(/,/g, '')) : 0;
      return x.includes(`(ingest, ${mode}) running`) && n > 0 && n < studies;
    };

    // Ctrl-C: the step stops, is recorded interrupted, the app stays open
    await t.send('r');
    await t.waitFor(partial('fresh'), 60_000, 'ingest to be under way');
    await t.send('C-c');
    let s = await t.waitFor(/\(ingest, fresh\) interrupted/, 30_000, 'the step to stop');
    expect(s).toContain('resumes where it stopped');
    expect(readState(runDir).steps.ingest.status).toBe('interrupted');
    expect(t.paneDead()).toBe(false);

    // r resumes; this time the process is killed -9 mid-step
    await t.send('r');
    await t.waitFor(partial('resume'), 60_000, 'the resumed ingest to be under way');
    const pid = t.pid();
    const holder = JSON.parse(fs.readFileSync(path.join(runDir, 'run.lock.holder.json'), 'utf8')) as { pid: number };
    expect(holder.pid).toBe(pid);
    process.kill(pid, 'SIGKILL');
    await t.waitFor(() => t.paneDead(), 10_000, 'the pane to die');
    expect(readState(runDir).steps.ingest.status).toBe('running');
    const before = fs
      .readFileSync(path.join(runDir, 'artifacts', 'reports.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean).length;
    expect(before).toBeLessThan(studies);

    // reopen: the app comes back on the progress screen it was killed on,
    // says the step was interrupted, and r resumes it
    const again = app('resume');
    again.start(['open', '--run', runDir]);
    s = await again.waitFor('interrupted earlier: ingest', 30_000, 'ingest shown interrupted');
    expect(s).toContain('cxrvqa · progress');
    expect(s).toContain('Selected: ingest (interrupted)');
    await again.send('r');
    s = await again.waitFor(/\(ingest, resume\) done/, 120_000, 'the resumed ingest to finish');
    expect(s).toContain(`of ${studies} records`);
    const ids = fs
      .readFileSync(path.join(runDir, 'artifacts', 'reports.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { study_id: string }).study_id);
    expect(new Set(ids).size).toBe(studies);
    expect(ids.length).toBe(studies);
    await again.send('Escape');
    await again.waitFor(/ingest\s+done/);
  }, 300_000);

  it('without a remembered run, cxrvqa opens the wizard, then the new run; next time the run itself', async () => {
    const cwd = path.join(tmp, 'wizard-home');
    fs.mkdirSync(cwd, { recursive: true });
    const wenv = { ...env, XDG_CONFIG_HOME: path.join(tmp, 'config-wizard') };
    const t = new TmuxApp('wizard', wenv);
    apps.push(t);
    t.start([], undefined, cwd);
    let s = await t.waitFor('1/3 Corpus', 30_000);
    fits(s, 80, 24);
    await t.send('Enter');
    await t.waitFor('2/3 Extraction backend');
    await t.send('Enter');
    await t.waitFor('3/3 run folder: runs/sample');
    await t.send('Enter');
    s = await t.waitFor(/corpus: sample · backend: rules[\s\S]*ingest\s+not run/, 30_000, 'the new run');
    expect(s).toContain('runs/sample');
    expect(fs.existsSync(path.join(cwd, 'runs/sample/state.json'))).toBe(true);
    await t.send('q');
    await t.waitFor(() => t.paneDead(), 10_000, 'the app to exit');
    const again = new TmuxApp('wizard-again', wenv);
    apps.push(again);
    again.start([], undefined, cwd);
    s = await again.waitFor(/ingest\s+not run/, 30_000, 'the remembered run');
    expect(s).not.toContain('1/3 Corpus');
  }, 120_000);

  it('a dropped SSH session (SIGHUP) stops the running step gracefully: recorded interrupted, run released', async () => {
    const runDir = await bigRun('hangup');
    const t = app('hangup');
    t.start(['open', '--run', runDir]);
    await t.waitFor(/ingest\s+not run/, 30_000);
    await t.send('r');
    await t.waitFor(/\(ingest, fresh\) running[\s\S]*[1-9][\d,]*\/50,000/, 60_000, 'ingest under way');
    const pid = t.pid();
    t.kill(); // tmux hangs up the pane: SIGHUP, and the terminal is gone
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const start = Date.now();
    while (alive() && Date.now() - start < 20_000) await new Promise((r) => setTimeout(r, 100));
    expect(alive()).toBe(false);
    expect(readState(runDir).steps.ingest.status).toBe('interrupted');
    expect(fs.existsSync(path.join(runDir, 'run.lock'))).toBe(false);
  }, 120_000);
});
