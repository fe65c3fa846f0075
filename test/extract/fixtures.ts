import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Run } from '../../src/pipeline/store/run.js';
import { syntheticReports } from '../helpers/reports.js';

/** A run holding `n` synthetic ingested reports, backend llm with these settings (JSONL corpus). */
export async function llmRunWithReports(n: number, llm: Record<string, unknown>, credentialed = false): Promise<Run> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cxr-extract-'));
  const run = await Run.open(dir, { create: true });
  run.artifact<{ study_id: string }>('reports').appendMany(syntheticReports(n));
  run.artifact('reports').close();
  await run.update((s) => {
    s.config.corpus = { kind: 'jsonl', path: '/dev/null', metadata: null, columns: {}, credentialed };
    s.config.backend = 'llm';
    s.config.llm = llm;
  });
  return run;
}
