/**
 * Standardization speed (docs/method.md §9): 227,835 messy raw records with the
 * shapes of §3, against entity dictionaries of 1,000 and 10,000 terms. The
 * original scanned the whole dictionary for every name; here the cost per
 * record should not depend on the vocabulary size.
 *
 *   npm run bench:standardize [-- --records N] [--no-step]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runStep } from '../src/pipeline/runner/runner.js';
import type { ExtractionResult } from '../src/pipeline/schemas/extraction.js';
import { standardizeStep } from '../src/pipeline/standardize/step.js';
import type { AnyStep } from '../src/pipeline/steps/contract.js';
import { Run } from '../src/pipeline/store/run.js';
import { buildContext } from '../src/pipeline/standardize/context.js';
import { buildFrequencyDicts, type FrequencyDicts } from '../src/pipeline/standardize/dictionaries.js';
import { standardizeRecord } from '../src/pipeline/standardize/record.js';
import { FrequencyCounter } from '../src/pipeline/standardize/dictionaries.js';
import { bootstrapContext } from '../src/pipeline/standardize/context.js';
import { repairRecord } from '../src/pipeline/standardize/shape.js';
import { ChangeLog } from '../src/pipeline/standardize/changes.js';
import { toStrict } from '../src/pipeline/standardize/record.js';
import { mulberry32 } from '../src/pipeline/util/random.js';

const argRecords = process.argv.indexOf('--records');
const N = argRecords > 0 ? Number(process.argv[argRecords + 1]) : 227_835;

const rand = mulberry32(42);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

const BASE = [
  'effusion',
  'pleural effusion',
  'atelectasis',
  'pneumonia',
  'edema',
  'cardiomegaly',
  'pneumothorax',
  'consolidation',
  'opacity',
  'nodule',
  'fracture',
  'emphysema',
  'volume loss',
  'vascular congestion',
  'hilar congestion',
  'granuloma',
  'infiltrate',
  'scarring',
  'hernia',
  'calcification',
  'lesion',
  'mass',
  'thickening',
];
const PREFIX = [
  '',
  '',
  '',
  'new ',
  'left ',
  'right ',
  'bilateral ',
  'small ',
  'large ',
  'focal ',
  'left-sided ',
  'increased ',
  'chronic ',
];
const SUFFIX = ['', '', '', 's', ' in the right lung', ' on the left', ' at the base'];
const LOCS = [
  'left',
  'right',
  'bilateral',
  'left lower lobe',
  'right upper lobe',
  'bibasilar',
  'retrocardiac',
  'right lung base',
  'left base',
];
const LEVELS = ['small', 'mild', 'moderate', 'severe', 'large', 'minimal', 'low', 'trace'];
const TYPES = ['layering', 'patchy', 'compressive', 'chronic', 'interstitial', 'subcutaneous', 'pericardial', 'focal'];

/** An entity vocabulary of `size` terms: real names plus synthetic variants (what a large corpus accumulates). */
function vocabulary(size: number): FrequencyDicts {
  const entity: [string, number][] = BASE.map((t, i) => [t, 5000 - i]);
  for (let i = entity.length; i < size; i++) entity.push([`${pick(BASE)} variant ${i}`, 1 + (i % 50)]);
  return {
    entity,
    location: LOCS.map((t, i) => [t, 3000 - i]),
    level: LEVELS.map((t, i) => [t, 3000 - i]),
    type: TYPES.map((t, i) => [t, 3000 - i]),
  };
}

function attrValue(): unknown {
  switch (Math.floor(rand() * 9)) {
    case 0:
      return [pick(LOCS), pick(LOCS)];
    case 1:
      return { [pick(LOCS)]: pick(LEVELS), [pick(LOCS)]: pick(TYPES) };
    case 2:
      return `${pick(LOCS)}: ${pick(LEVELS)}, ${pick(LOCS)}: ${pick(TYPES)}`;
    case 3:
      return Math.floor(rand() * 5);
    case 4:
      return rand() < 0.5;
    case 5:
      return '';
    case 6:
      return null;
    default:
      return pick(LOCS);
  }
}

function attrs(): unknown {
  const r = rand();
  if (r < 0.5)
    return {
      location: attrValue(),
      level: rand() < 0.5 ? pick(LEVELS) : attrValue(),
      type: rand() < 0.5 ? pick(TYPES) : null,
    };
  if (r < 0.6) return [pick(LOCS), pick(LEVELS)];
  if (r < 0.7)
    return [
      { location: pick(LOCS), level: pick(LEVELS), type: null },
      { location: pick(LOCS), level: null, type: pick(TYPES) },
    ];
  if (r < 0.75) return { location: pick(LOCS), [pick(BASE)]: { location: pick(LOCS), level: pick(LEVELS) } }; // nested entity
  if (r < 0.8) return `location: ${pick(LOCS)}, level: ${pick(LEVELS)}`;
  if (r < 0.85) return null;
  if (r < 0.9) return true;
  return {};
}

function name(): string {
  return `${pick(PREFIX)}${pick(BASE)}${pick(SUFFIX)}`;
}

function category(): unknown {
  const r = rand();
  const n = 1 + Math.floor(rand() * 4);
  if (r < 0.55) return Object.fromEntries(Array.from({ length: n }, () => [name(), attrs()]));
  if (r < 0.7) return Array.from({ length: n }, name);
  if (r < 0.8)
    return Array.from({ length: n }, () => ({ description: name(), location: attrValue(), level: pick(LEVELS) }));
  if (r < 0.85) return { description: name(), location: pick(LOCS), level: pick(LEVELS), type: null };
  if (r < 0.9) return name();
  if (r < 0.95) return null;
  return undefined;
}

function messyRecord(): unknown {
  const rec: Record<string, unknown> = {};
  const ent = category();
  if (ent !== undefined) rec.entity = ent;
  const unc = rand() < 0.5 ? (rand() < 0.5 ? Array.from({ length: 2 }, name) : category()) : undefined;
  if (unc !== undefined) rec.uncertain_entity = unc;
  if (rand() < 0.7)
    rec.opacity_vs_clear =
      rand() < 0.7
        ? { opacity: attrs(), clear: { location: pick(LOCS) } }
        : { [`${pick(LOCS)} opacity`]: attrs(), 'right lung': 'x' };
  const r = rand();
  rec.no_entity =
    r < 0.6
      ? ['pneumothorax', 'pleural effusions', 'left', 'focal consolidation']
      : r < 0.75
        ? 'pneumothorax, effusion'
        : r < 0.85
          ? { pneumothorax: null, location: 'x' }
          : null;
  return rec;
}

/** CPU seconds of this process since `from` (wall time is unreliable on a machine shared with other jobs). */
function cpuSince(from: NodeJS.CpuUsage): string {
  const u = process.cpuUsage(from);
  return `cpu ${((u.user + u.system) / 1e6).toFixed(2)} s`;
}

function mb(n: number): string {
  return `${(n / 1024 / 1024).toFixed(0)} MB`;
}

console.log(
  `generating ${N.toLocaleString('en-US')} messy records… (load average ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')} on ${os.cpus().length} cores)`,
);
const records = Array.from({ length: N }, messyRecord);
let peakRss = process.memoryUsage().rss;
const sampleRss = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss));

// The step's counting pass (shape repair only, no dictionaries yet).
{
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const boot = bootstrapContext();
  const counter = new FrequencyCounter();
  for (const r of records) counter.add(toStrict(repairRecord(r, boot, new ChangeLog(false))));
  const d = counter.result();
  const s = (performance.now() - t0) / 1000;
  sampleRss();
  console.log(
    `counting pass (dictionaries):    wall ${s.toFixed(2)} s (${cpuSince(c0)})  ${(N / s).toFixed(0)} records/s  (${d.entity.length} distinct names)`,
  );
}

// Warm-up so the first timed dictionary size does not pay for JIT compilation.
{
  const warm = buildContext(vocabulary(100), { highThreshold: 1000 });
  for (let i = 0; i < Math.min(N, 20_000); i++) standardizeRecord(records[i], warm);
}

for (const size of process.argv.includes('--step-only') ? [] : [1_000, 10_000]) {
  const ctx = buildContext(vocabulary(size), { highThreshold: 1000 });
  let changes = 0;
  let failed = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    const res = standardizeRecord(records[i], ctx);
    changes += res.changes.length;
    if (res.error) failed++;
    if ((i & 0x3fff) === 0) sampleRss();
  }
  const s = (performance.now() - t0) / 1000;
  sampleRss();
  console.log(
    `standardize, ${size.toLocaleString('en-US').padStart(6)}-term dictionary: wall ${s.toFixed(2)} s (${cpuSince(c0)})  ${(N / s).toFixed(0)} records/s  (${changes} changes, ${failed} failed)`,
  );
}
// Sanity: dictionaries over standardized output, and idempotence with dictionaries built from this corpus.
{
  const t1 = performance.now();
  const boot = bootstrapContext();
  const counter = new FrequencyCounter();
  for (const r of records) counter.add(toStrict(repairRecord(r, boot, new ChangeLog(false))));
  const corpusCtx = buildContext(counter.result(), { highThreshold: 1000 });
  const sample = records.slice(0, 10_000).map((r) => standardizeRecord(r, corpusCtx, { log: false }).keyinfo);
  const dicts = buildFrequencyDicts(sample);
  let notIdempotent = 0;
  for (const k of sample)
    if (JSON.stringify(standardizeRecord(k, corpusCtx).keyinfo) !== JSON.stringify(k)) notIdempotent++;
  console.log(
    `10,000 records with this corpus's own dictionaries: ${dicts.entity.length} standard entity terms, ${notIdempotent} not idempotent (${((performance.now() - t1) / 1000).toFixed(2)} s)`,
  );
}
console.log(`peak RSS ${mb(peakRss)} (includes the ${N.toLocaleString('en-US')} generated records held in memory)`);

// The whole step through the runner: JSONL read twice, counting pass, dictionaries, standardize, JSONL writes.
if (!process.argv.includes('--no-step')) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cxrvqa-bench-std-'));
  try {
    const run = await Run.open(dir, { create: true });
    const raw = run.artifact<ExtractionResult>('raw');
    for (let i = 0; i < N; i += 10_000) {
      raw.appendMany(
        records
          .slice(i, i + 10_000)
          .map((keyinfo, k) => ({ study_id: `s${i + k}`, status: 'ok' as const, keyinfo, backend: 'llm' as const })),
      );
    }
    raw.close();
    records.length = 0;
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const outcome = await runStep(run, standardizeStep as unknown as AnyStep, {
      signal: new AbortController().signal,
      env: { confirmations: new Set(), env: {} },
    });
    const s = (performance.now() - t0) / 1000;
    sampleRss();
    console.log(
      `whole step (runner, JSONL in/out): ${outcome}, wall ${s.toFixed(2)} s (${cpuSince(c0)})  ${(N / s).toFixed(0)} records/s — ${run.state.steps.standardize?.summary}`,
    );
    console.log(`peak RSS ${mb(peakRss)}`);
    await run.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
