/**
 * Follow-up benchmark (prints figures; no assertions).
 *
 *   npm run bench:followup                      # recall on the gold set + throughput
 *   npm run bench:followup -- --studies 2000    # throughput with more studies
 *
 * Recall: the bundled gold set (99 studies) starts from gold with 35% of the
 * positives and negatives removed (seeded); the reference is the full gold
 * record (or the project's rule-based extractor on the reports); a scripted model on the loopback server puts a finding back when
 * gold has it, at the answer rate shown. Recall and precision vs gold before
 * and after one follow-up cycle (the eval module's scores).
 * Throughput: synthetic studies with 4 questions each, loopback latency 20 ms,
 * through the real LLM stack (openai client over HTTP, scheduler, cache):
 * questions per second with one question in flight per study.
 */
import { followupStep } from '../src/pipeline/followup/step.js';
import { runStep } from '../src/pipeline/runner/runner.js';
import type { AnyStep } from '../src/pipeline/steps/contract.js';
import { startLoopbackServer } from '../test/helpers/loopback-server.js';
import { addAsked, env, makeRun, readAsk } from '../test/followup/fixtures.js';
import { runGoldScenario } from '../test/followup/gold-scenario.js';

const args = process.argv.slice(2);
const arg = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

for (const [reference, answerRate] of [
  ['gold', 1],
  ['gold', 0.8],
  ['gold', 0.5],
  ['rules', 1],
] as const) {
  const r = await runGoldScenario({ removeRate: 0.35, answerRate, seed: 'bench', reference });
  console.log(
    `gold set, ${r.studies} studies, reference ${reference}, answer rate ${answerRate}: removed ${r.removed.positive} positives / ${r.removed.negative} negatives; ${r.asked} questions; put back ${r.added.positive} / ${r.added.negative}\n` +
      `  positive recall ${pct(r.before.positive)} → ${pct(r.after.positive)} (precision ${pct(r.before.precisionPositive)} → ${pct(r.after.precisionPositive)})\n` +
      `  negative recall ${pct(r.before.negative)} → ${pct(r.after.negative)} (precision ${pct(r.before.precisionNegative)} → ${pct(r.after.precisionNegative)})`,
  );
}

const studies = arg('studies', 500);
const concurrency = arg('concurrency', 64);
const server = await startLoopbackServer({
  record: false,
  latency: { kind: 'fixed', ms: 20 },
  respond: (req) => addAsked(readAsk(req)!),
});
const { run } = await makeRun(
  Array.from({ length: studies }, () => ({
    refPositives: ['edema', 'atelectasis', 'nodule'],
    refNegatives: ['pneumothorax'],
  })),
  server.url,
  { concurrency },
);
const t0 = Date.now();
await runStep(run, followupStep as unknown as AnyStep, { signal: new AbortController().signal, env: env(1) });
const s = (Date.now() - t0) / 1000;
const asked = run.state.cycles[0]?.counts.asked ?? 0;
console.log(
  `throughput: ${studies} studies × 4 questions, latency 20 ms, concurrency ${concurrency}: ${asked} questions in ${s.toFixed(2)} s = ${(asked / s).toFixed(0)} questions/s (sequential per study: floor ${((4 * 20) / 1000).toFixed(2)} s per study)`,
);
await run.close();
await server.close();
