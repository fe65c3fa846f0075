import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyConfig, corpusConfigFrom } from '../../src/pipeline/runner/configure.js';
import { Run } from '../../src/pipeline/store/run.js';
import { writeCorpus } from '../../scripts/lib/writeCorpus.js';
import { requireTmux, TmuxApp } from './driver.js';

/**
 * Run all, kill -9 mid-step, reopen: the app lands on the interrupted step with
 * what it kept, and r resumes it (not fresh) and then runs the rest of the plan
 * to its last step. Needs `npm run build` first (`npm test` builds).
 */
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cxrvqa-resume-'));
const env = { XDG_CONFIG_HOME: path.join(tmp, 'config'), HOME: tmp };
const apps: TmuxApp[] = [];
// Enough that ingest runs for a few frames to kill it in (30k: ~2 s on the 2-core machine), and no more:
// after the resume the whole plan runs over every record.
const studies = 30_000;
const readState = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8'));
const distinctIds = (file: string) =>
  new Set(
    fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { study_id: string }).study_id),
  );

beforeAll(() => requireTmux());
afterAll(() => {
  for (const a of apps) a.kill();
});

describe('resume after kill -9 in tmux', () => {
  it('reopens on the interrupted step with its kept records; r resumes it, then the rest of run all', async () => {
    // A generated corpus: ingest takes seconds, long enough to kill it half-way.
    const corpus = path.join(tmp, 'corpus');
    await writeCorpus({ out: corpus, studies, seed: '11' });
    const runDir = path.join(tmp, 'run');
    const setup = await Run.open(runDir, { create: true });
    await applyConfig(setup, {
      corpus: corpusConfigFrom({ corpus: path.join(corpus, 'files'), metadata: path.join(corpus, 'metadata.csv') })!,
      backend: 'rules',
    });
    await setup.close();

    const first = new TmuxApp('resume-first', env);
    apps.push(first);
    first.start(['open', '--run', runDir]);
    await first.waitFor(/ingest\s+not run/, 30_000, 'the notebook');
    await first.send('a');
    await first.waitFor(
      (x) => {
        const m = /([\d,]+)\/30,000/.exec(x);
        const n = m ? Number(m[1]!.replace(/,/g, '')) : 0;
        return x.includes('(ingest, fresh) running') && n > 0 && n < studies;
      },
      60_000,
      'ingest under way',
    );
    process.kill(first.pid(), 'SIGKILL');
    await first.waitFor(() => first.paneDead(), 10_000, 'the pane to die');
    const killed = readState(runDir);
    expect(killed.steps.ingest.status).toBe('running');
    expect(killed.intent).toMatchObject({ kind: 'plan' });
    const kept = distinctIds(path.join(runDir, 'artifacts', 'reports.jsonl')).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(studies);

    const again = new TmuxApp('resume-again', env);
    apps.push(again);
    again.start(['open', '--run', runDir]);
    const shown = await again.waitFor(/kept reports=[\d,]+/, 30_000, 'the kept records of the interrupted step');
    expect(shown).toContain('interrupted earlier: ingest');
    expect(shown.replace(/\s+/g, ' ')).toContain(
      `Selected: ingest (interrupted) — kept reports=${kept.toLocaleString('en-US')} of 30,000 · r resumes it, then the rest of the run.`,
    );

    await again.send('r');
    await again.waitFor('(ingest, resume)', 60_000, 'ingest to resume (not start fresh)');
    // The plan's last step: its "done" stays on screen.
    await again.waitFor(/\(check, \w+\) done/, 600_000, 'the rest of the plan to run to check');
    const state = readState(runDir);
    expect(state.intent).toBeNull();
    expect(state.steps.ingest.status).toBe('done');
    expect(state.steps.questions.status).toBe('done');
    const lines = fs
      .readFileSync(path.join(runDir, 'artifacts', 'reports.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean).length;
    expect(lines).toBe(studies);
    expect(distinctIds(path.join(runDir, 'artifacts', 'reports.jsonl')).size).toBe(studies);

    // Over SSH keys come in bursts: "jjj" in one write moves the selection three cells.
    await again.send('Escape');
    await again.waitFor(/▸\s*1 /, 10_000, 'the notebook on the first cell');
    again.sendBurst('jjj');
    await again.waitFor(/▸\s*4 /, 10_000, 'three moves from one burst');
  }, 900_000);
});
