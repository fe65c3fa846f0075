import fs from 'node:fs';
import path from 'node:path';
import { QaPairSchema, type QaPair } from '../questions/schema.js';
import { computeStats, type DatasetStats } from '../questions/stats.js';
import { DATASET_DIR } from '../questions/step.js';
import type { Run } from '../store/run.js';
import { UserError } from '../util/errors.js';

/** A few QA pairs of one type, to show what the questions look like. */
export interface QaSample {
  type: string;
  study_id: string;
  question: string;
  answer: string;
}

export interface DatasetOverview {
  stats: DatasetStats;
  samples: QaSample[];
}

const SAMPLES_PER_TYPE = 3;

async function readPairs(run: Run): Promise<QaPair[] | null> {
  const art = run.artifact<QaPair>('questions', QaPairSchema);
  if (!art.exists()) return null;
  const pairs: QaPair[] = [];
  for await (const p of art.lines()) pairs.push(p);
  return pairs;
}

/**
 * The dataset statistics the questions step saved, or computed from the
 * questions artifact: the one implementation behind `cxrvqa stats`, the run
 * report and the app's Dataset screen.
 */
export async function loadDatasetStats(run: Run, opts: { recompute?: boolean } = {}): Promise<DatasetStats> {
  const file = path.join(run.dir, DATASET_DIR, 'stats.json');
  if (!opts.recompute && fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as DatasetStats;
  const pairs = await readPairs(run);
  if (!pairs)
    throw new UserError(`No questions in ${run.dir}.`, 'Run the questions step first: cxrvqa run --steps questions');
  return computeStats(pairs);
}

/** Statistics computed from the artifact as it is now, plus sample pairs per type; empty when nothing was generated. */
export async function datasetOverview(run: Run): Promise<DatasetOverview> {
  const pairs = (await readPairs(run)) ?? [];
  return { stats: computeStats(pairs), samples: samplePairs(pairs) };
}

/** Up to three distinct questions per type, in type order of first appearance. */
function samplePairs(pairs: Iterable<QaPair>, perType = SAMPLES_PER_TYPE): QaSample[] {
  const byType = new Map<string, QaSample[]>();
  for (const p of pairs) {
    let list = byType.get(p.question_type);
    if (!list) byType.set(p.question_type, (list = []));
    if (list.length < perType && !list.some((q) => q.question === p.question))
      list.push({ type: p.question_type, study_id: p.study_id, question: p.question, answer: p.answer });
  }
  return [...byType.values()].flat();
}
