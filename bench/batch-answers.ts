/**
 * npm run bench:batch-answers — the Batch API answer store of a run that imported one answer per
 * MIMIC-CXR study (227,835 by default, BENCH_RECORDS to change): the size of answers.jsonl, the
 * time a step takes to open it (the store reads the file once and keeps offsets only), the heap
 * that index holds, and one lookup. Prints the figures; no target is asserted.
 * Target: open ≤ 5 s and index heap ≤ 150 MB at 227,835 answers.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AnswerStore } from '../src/pipeline/llm/batchApi/answers.js';
import { sha256 } from '../src/pipeline/util/hash.js';

const N = Number(process.env.BENCH_RECORDS ?? 227_835);
// A typical extraction answer (a few findings), as the Batch API output file carries it.
const REPLY =
  '{"opacity_vs_clear": {"opacity": {"location": "right lower lobe", "level": "mild", "type": "patchy"}}, "entity": {"pleural effusion": {"location": "left", "level": "small", "type": null}, "atelectasis": {"location": "bibasilar", "level": "mild", "type": "subsegmental"}}, "uncertain_entity": {}, "no_entity": ["pneumothorax", "pulmonary edema"]}';

const gc = (globalThis as { gc?: () => void }).gc;
const heapMb = () => {
  gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cxr-bench-batch-answers-'));
const keys: string[] = [];
{
  const store = new AnswerStore(dir);
  for (let i = 0; i < N; i++) {
    const key = sha256(`request ${i}`);
    keys.push(key);
    store.put(
      {
        customId: `extract||${key}`,
        key,
        answer: {
          kind: 'ok',
          text: REPLY,
          finishReason: 'stop',
          usage: { prompt_tokens: 1022, completion_tokens: 96 },
          model: 'cxrvqa-extractor',
        },
      },
      `batch_${Math.floor(i / 50_000)}`,
    );
  }
  store.close();
}
const bytes = fs.statSync(path.join(dir, 'answers.jsonl')).size;

const before = heapMb();
const t0 = performance.now();
const store = new AnswerStore(dir);
const openMs = performance.now() - t0;
const held = heapMb() - before;
const t1 = performance.now();
const hit = store.answer(keys[Math.floor(N / 2)]!);
const firstMs = performance.now() - t1;
const t2 = performance.now();
let found = 0;
for (let i = 0; i < 1000; i++) if (store.answer(keys[(i * 7919) % N]!)) found++;
const meanMs = (performance.now() - t2) / 1000;

console.log(`answers: ${N.toLocaleString('en-US')} in ${(bytes / 2 ** 20).toFixed(0)} MB (answers.jsonl)`);
console.log(
  `open (read once, index offsets): ${(openMs / 1000).toFixed(2)} s; index heap ${held.toFixed(0)} MB${gc ? '' : ' (run with --expose-gc for an exact figure)'}`,
);
console.log(
  `lookups: first ${firstMs.toFixed(2)} ms (${hit ? 'found' : 'MISSING'}), then ${(meanMs * 1000).toFixed(0)} µs each (${found}/1000 found)`,
);
console.log(`peak RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`);
store.close();
fs.rmSync(dir, { recursive: true, force: true });
