import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { questionsStep } from '../../src/pipeline/questions/step.js';
import { runStep } from '../../src/pipeline/runner/runner.js';
import type { AnyStep } from '../../src/pipeline/steps/contract.js';
import { makeRun } from './runFixture.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('questions: temp files of a killed export', () => {
  it("are removed when the step next runs; a live process's temp file is left alone", async () => {
    const run = await makeRun(dirs, 8);
    try {
      const dataset = path.join(run.dir, 'dataset');
      fs.mkdirSync(dataset, { recursive: true });
      const dead = path.join(dataset, `qa.csv.tmp-${deadPid()}`);
      const own = path.join(dataset, `old-export.csv.tmp-${process.pid}`);
      const live = path.join(dataset, `qa.jsonl.tmp-${process.ppid}`);
      const unrelated = path.join(dataset, 'notes.txt');
      for (const f of [dead, own, live, unrelated]) fs.writeFileSync(f, 'partial');
      const outcome = await runStep(run, questionsStep as unknown as AnyStep, {
        signal: new AbortController().signal,
        env: { confirmations: new Set(), env: {} },
      });
      expect(outcome).toBe('done');
      const left = fs.readdirSync(dataset);
      expect(left).not.toContain(path.basename(dead));
      expect(left).not.toContain(path.basename(own));
      expect(left).toContain(path.basename(live));
      expect(left).toContain('notes.txt');
      expect(left).toContain('qa.csv');
    } finally {
      await run.close();
    }
  });
});
