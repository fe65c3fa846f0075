/**
 * LLM layer benchmark (prints figures; no assertions).
 *
 *   npm run bench:llm                         # all sections
 *   npm run bench:llm -- --requests 2000      # smaller continuous run
 *   npm run bench:llm -- --only throughput|kill|prefix
 *   BENCH_PROFILE='{"hedge":false}' npm run bench:llm   # profile fields over the defaults
 *
 * Throughput: the loopback server runs in a child process with lognormal
 * latency (median 250 ms, sigma 0.5 → mean 283 ms); the client is the real
 * stack (openai SDK over HTTP, scheduler, streaming, no cache). Continuous
 * concurrency 64 vs the original's batches of 10 with a barrier (and batches
 * of 64 with a barrier, same concurrency). Client CPU: process.cpuUsage() of
 * this process (user+system) over the continuous run / requests; the server's
 * CPU is in the child and not counted.
 * Kill: 5,000 reports through the built CLI (npm run build first), kill -9
 * after 2,000 rows, resume; counts rows and repeated requests.
 */
import os from 'node:os';
import { createLlm, runPool, type LlmClient } from '../src/pipeline/llm/index.js';
import { LlmProfileSchema } from '../src/pipeline/llm/config.js';
import { startLoopbackServerProcess } from '../test/helpers/loopback-server.js';
import { killAndResume } from '../test/helpers/kill-run.js';
import { prefix } from './llm-prefix.js';

const args = process.argv.slice(2);
const arg = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : null;
const N = arg('requests', 10_000);
const C = arg('concurrency', 64);
const NB = arg('batch-requests', 600);
const MEDIAN = 250;
const SIGMA = 0.5;
const MEAN = MEDIAN * Math.exp((SIGMA * SIGMA) / 2);

const msg = (i: number) => [
  { role: 'system' as const, content: 'Return the key information of the chest X-ray report as JSON.' },
  {
    role: 'user' as const,
    content: `FINDINGS: synthetic report number ${i}. Small left pleural effusion. No pneumothorax.`,
  },
];

async function continuous(client: LlmClient, n: number, c: number, offset: number) {
  let ok = 0;
  let lat = 0;
  await runPool(
    Array.from({ length: n }, (_, i) => i + offset),
    c,
    async (i) => {
      const r = await client.complete({
        model: 'extractor',
        messages: msg(i),
        params: { temperature: 0, max_tokens: 512 },
      });
      if (r.kind === 'ok') {
        ok++;
        lat += r.latencyMs;
      }
    },
  );
  return { ok, meanLatency: lat / Math.max(1, ok) };
}

async function barrier(client: LlmClient, n: number, size: number, offset: number) {
  let ok = 0;
  for (let b = 0; b < n; b += size) {
    const rs = await Promise.all(
      Array.from({ length: Math.min(size, n - b) }, (_, k) =>
        client.complete({
          model: 'extractor',
          messages: msg(offset + b + k),
          params: { temperature: 0, max_tokens: 512 },
        }),
      ),
    );
    ok += rs.filter((r) => r.kind === 'ok').length;
  }
  return ok;
}

async function throughput() {
  process.env.LOOPBACK_REPORT_CPU = '1'; // the server child prints its own CPU time when it stops
  const server = await startLoopbackServerProcess({ latency: { kind: 'lognormal', medianMs: MEDIAN, sigma: SIGMA } });
  const profile = LlmProfileSchema.parse({
    endpoints: [{ url: server.url, maxConcurrency: C }],
    model: 'extractor',
    concurrency: C,
    ...(process.env.BENCH_PROFILE ? JSON.parse(process.env.BENCH_PROFILE) : {}),
  });
  const llm = createLlm(profile, { env: {} });
  try {
    await continuous(llm.client, 200, C, 10_000_000); // warm-up: connections, JIT
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const cont = await continuous(llm.client, N, C, 0);
    const secs = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const rate = cont.ok / secs;
    const ideal = C / (MEAN / 1000);
    const stats = llm.stats.snapshot();

    const t1 = performance.now();
    const b10 = await barrier(llm.client, NB, 10, 20_000_000);
    const rate10 = b10 / ((performance.now() - t1) / 1000);
    const n64 = Math.max(C, Math.round(NB / C) * C);
    const t2 = performance.now();
    const b64 = await barrier(llm.client, n64, C, 30_000_000);
    const rate64 = b64 / ((performance.now() - t2) / 1000);

    const f = (x: number, d = 1) => x.toFixed(d);
    console.log(
      `LLM layer throughput (loopback server in a child process, lognormal latency median ${MEDIAN} ms sigma ${SIGMA}, mean ${f(MEAN)} ms; streamed in 8 content chunks; openai SDK over HTTP; load average ${os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')})`,
    );
    console.log(`  continuous, concurrency ${C}: ${cont.ok}/${N} ok in ${f(secs, 2)} s = ${f(rate)} req/s`);
    console.log(
      `  ideal concurrency/mean latency = ${f(ideal)} req/s → ${f((100 * rate) / ideal)}% of ideal (with measured mean latency ${f(cont.meanLatency)} ms: ${f((100 * rate) / (C / (cont.meanLatency / 1000)))}%)`,
    );
    console.log(
      `  original: batches of 10 with a barrier: ${b10}/${NB} ok, ${f(rate10)} req/s → continuous is ${f(rate / rate10)}x`,
    );
    console.log(
      `  batches of ${C} with a barrier (same concurrency): ${b64}/${n64} ok, ${f(rate64)} req/s → continuous is ${f(rate / rate64, 2)}x`,
    );
    console.log(
      `  client CPU: ${f((cpu.user + cpu.system) / 1000 / N, 3)} ms/request (user ${f(cpu.user / 1000)} ms + system ${f(cpu.system / 1000)} ms over ${N} requests; server CPU not included)`,
    );
    console.log(`  errors: ${JSON.stringify(stats.errors)}, retries ${stats.retries}`);
  } finally {
    await llm.close();
    await server.close();
  }
}

async function kill() {
  const r = await killAndResume({
    reports: arg('kill-reports', 5000),
    killAfter: arg('kill-after', 2000),
    concurrency: C,
    latency: { kind: 'lognormal', medianMs: 20, sigma: 0.5 },
  });
  console.log(
    `kill -9 and resume (built CLI, ${r.reports} reports, concurrency ${r.concurrency}, loopback latency median 20 ms):`,
  );
  console.log(
    `  killed with ${r.rowsAtKill} rows on disk; after resume exit ${r.exitCode}: ${r.rows} rows, ${r.distinctIds} distinct study ids, ${r.duplicateIds} duplicated, ${r.notOk} not ok`,
  );
  console.log(
    `  server requests ${r.requests} for ${r.reports} reports; ${r.askedTwice} reports asked twice (≤ in flight at the kill); total ${r.seconds.toFixed(1)} s`,
  );
  if (r.exitCode !== 0) console.log(r.stderr);
}

if (!only || only === 'throughput') await throughput();
if (!only || only === 'kill') await kill();
if (!only || only === 'prefix') await prefix(args);
