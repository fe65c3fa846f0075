/**
 * npx tsx bench/ui-index.ts RUN_DIR
 * Prints how long the inspector takes to index a run's artifacts, the heap it
 * keeps, a search, and opening one report (run it on a large run, e.g. one made
 * from `npm run generate:corpus`).
 */
import { Run } from '../src/pipeline/store/run.js';
import { StudyIndex } from '../src/pipeline/inspect/studyIndex.js';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: npx tsx bench/ui-index.ts RUN_DIR\n');
  process.exit(2);
}
const run = await Run.open(dir, { readOnly: true });
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const heap0 = process.memoryUsage().heapUsed;
let t = performance.now();
const index = await StudyIndex.build(run);
const buildMs = performance.now() - t;
gc?.();
const heapMB = (process.memoryUsage().heapUsed - heap0) / 1e6;
t = performance.now();
const hits = index.search('effusion', { kind: 'all' }).length;
const searchMs = performance.now() - t;
t = performance.now();
const sample = index.order.slice(0, 200);
for (const id of sample) index.load(id);
const openMs = (performance.now() - t) / Math.max(1, sample.length);
process.stdout.write(
  `studies ${index.order.length} · index ${buildMs.toFixed(0)} ms · heap kept ${heapMB.toFixed(1)} MB${gc ? '' : ' (run with --expose-gc for a steadier figure)'} · search "effusion" ${searchMs.toFixed(1)} ms (${hits} hits) · open one report ${openMs.toFixed(2)} ms\n`,
);
