/**
 * npm run bench:inspect-llm — the inspector's LLM pane on a run whose response cache holds
 * one answer per MIMIC-CXR study (227,835 by default, BENCH_RECORDS to change): the first
 * lookup (it indexes the cache file, read-only), later lookups, the heap the index keeps,
 * and building one study's exchanges in the worst case (no key matches: every way the
 * request could have been sent is hashed and probed). Prints the figures; no target is
 * asserted. Target: first open ≤ 2 s, later opens ≤ 20 ms, index heap ≤ 80 MB.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CacheReader } from '../src/pipeline/inspect/cacheReader.js';
import { studyExchanges } from '../src/pipeline/inspect/exchanges.js';
import type { StudyDetail } from '../src/pipeline/inspect/studyIndex.js';
import { Run } from '../src/pipeline/store/run.js';
import { sha256 } from '../src/pipeline/util/hash.js';

const N = Number(process.env.BENCH_RECORDS ?? 227_835);
const REPLY =
  '{"opacity_vs_clear": {}, "entity": {"pleural effusion": {"location": "left", "level": "small", "type": null}}, "uncertain_entity": [], "no_entity": ["pneumothorax"]}';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cxr-bench-inspect-llm-'));
const run = await Run.open(dir, { create: true });
await run.update((s) => {
  s.config.backend = 'llm';
  s.config.llm = { model: 'extractor', endpoints: [{ url: 'http://127.0.0.1:9/v1' }] };
});
const cacheDir = path.join(dir, 'llm-cache');
fs.mkdirSync(cacheDir, { recursive: true });
const file = path.join(cacheDir, 'responses.jsonl');
const keys: string[] = [];
const out = fs.openSync(file, 'w');
let buf: string[] = [];
for (let i = 0; i < N; i++) {
  const key = sha256(`request ${i}`);
  keys.push(key);
  buf.push(
    JSON.stringify({
      key,
      text: REPLY,
      finishReason: 'stop',
      usage: { prompt_tokens: 410, completion_tokens: 52 },
      model: 'extractor',
      endpoint: 'http://127.0.0.1:9/v1',
      at: new Date(0).toISOString(),
    }),
  );
  if (buf.length === 10_000) {
    fs.writeSync(out, buf.join('\n') + '\n');
    buf = [];
  }
}
if (buf.length) fs.writeSync(out, buf.join('\n') + '\n');
fs.closeSync(out);
const sizeMB = fs.statSync(file).size / 1e6;

const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const heap0 = process.memoryUsage().heapUsed;
const reader = new CacheReader(file);
let t = performance.now();
reader.get(keys[N - 1]!);
const firstMs = performance.now() - t;
gc?.();
const heapMB = (process.memoryUsage().heapUsed - heap0) / 1e6;
t = performance.now();
for (let i = 0; i < 1000; i++) reader.get(keys[(i * 7919) % N]!);
const laterUs = ((performance.now() - t) / 1000) * 1000;

const report = {
  study_id: 's0',
  text: 'FINDINGS: Small left pleural effusion. No pneumothorax.',
  selected: 'FINDINGS: Small left pleural effusion. No pneumothorax.',
};
const detail: StudyDetail = {
  id: 's0',
  report,
  reference: null,
  stages: [],
  questions: [],
  changes: [],
  extractions: [{ study_id: 's0', status: 'ok', backend: 'llm', model: 'extractor', request_key: 'f'.repeat(64) }],
  followupLog: Array.from({ length: 4 }, (_, seq) => ({
    study_id: 's0',
    cycle: 1,
    seq,
    polarity: 'positive',
    entity: `finding ${seq}`,
    question: `Is there finding ${seq} in this report?`,
    before: {},
    after: {},
    status: 'unchanged',
  })),
};
studyExchanges(run, detail); // builds the run's reader index (the pane's first open)
t = performance.now();
const opens = 50;
for (let i = 0; i < opens; i++) studyExchanges(run, detail);
const openMs = (performance.now() - t) / opens;
await run.close();
fs.rmSync(dir, { recursive: true, force: true });

process.stdout.write(
  `cache ${N} answers (${sizeMB.toFixed(0)} MB) · first lookup (indexes the file) ${firstMs.toFixed(0)} ms · heap kept ${heapMB.toFixed(1)} MB${gc ? '' : ' (run with --expose-gc for a steadier figure)'} · later lookup ${laterUs.toFixed(1)} µs · one study's exchanges (1 extraction + 4 follow-ups, no key matching) ${openMs.toFixed(2)} ms\n`,
);
