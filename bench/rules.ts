/**
 * npm run bench:rules [-- --studies N --seed S]
 * Builds N synthetic MIMIC-style reports in memory (default 227,835, from
 * scripts/lib/synth.ts, with section selection applied), runs the rule-based
 * extractor over all of them and prints wall time, reports/s and peak RSS.
 * Targets: <= 30 s and <= 1.5 GB peak RSS on 2 cores. Also prints agreement with
 * the generator's truth, as a sanity check (not an accuracy claim: the grammar
 * is synthetic).
 */
import { parseArgs } from 'node:util';
import { keyInfoToDoc } from '../src/pipeline/eval/fromKeyInfo.js';
import { evaluate } from '../src/pipeline/eval/metrics.js';
import { CATEGORIES, type EvalDoc } from '../src/pipeline/eval/types.js';
import type { StrictKeyInfo } from '../src/pipeline/schemas/keyinfo.js';
import { extractReference, type RuleInput } from '../src/pipeline/rules/extract.js';
import { defaultLibs, loadLibs } from '../src/pipeline/rules/libs.js';
import { referenceToKeyInfo } from '../src/pipeline/rules/toKeyInfo.js';
import { MIMIC_STUDIES, synthReportRecords } from '../scripts/lib/synth.js';

const { values } = parseArgs({
  options: { studies: { type: 'string', default: String(MIMIC_STUDIES) }, seed: { type: 'string', default: '7' } },
});
const n = Number(values.studies);
const CHECK = 20_000;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

let t = performance.now();
const reports: RuleInput[] = [];
const truth: StrictKeyInfo[] = [];
const libs = defaultLibs();
for (const { record, truth: ki } of synthReportRecords({ studies: n, seed: values.seed! })) {
  reports.push({
    study_id: record.study_id,
    subject_id: record.subject_id,
    text: record.text,
    rule_text: record.rule_text,
    rule_offset: record.rule_offset,
  });
  if (truth.length < CHECK) truth.push(ki);
}
console.log(
  `generate: ${reports.length} reports in ${((performance.now() - t) / 1000).toFixed(1)} s (not timed below)`,
);

let peak = process.memoryUsage().rss;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
t = performance.now();
const compileStart = performance.now();
loadLibs();
const compileMs = performance.now() - compileStart;
let entities = 0;
for (let i = 0; i < reports.length; i++) {
  const ref = extractReference(reports[i]!, libs, { likely: 'uncertain' });
  entities += Object.keys(ref.entity).length;
  if ((i & 4095) === 0) peak = Math.max(peak, process.memoryUsage().rss);
}
const seconds = (performance.now() - t) / 1000;
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);

console.log(
  `extract: ${reports.length} reports in ${seconds.toFixed(2)} s (${Math.round(reports.length / seconds)} reports/s), ${entities} findings; loading + compiling the libraries takes ${compileMs.toFixed(0)} ms (once per process)`,
);
console.log(`peak RSS: ${mb(peak)} (whole process, including the in-memory corpus)`);
console.log(
  `targets: time <= 30 s ${seconds <= 30 ? 'OK' : 'MISSED'}, peak RSS <= 1.5 GB ${peak <= 1.5 * 1024 ** 3 ? 'OK' : 'MISSED'}`,
);
// Agreement on the first CHECK reports, outside the timed loop.
const truthDocs = new Map<string, EvalDoc>();
const pred = new Map<string, EvalDoc>();
truth.forEach((ki, i) => {
  const rep = reports[i]!;
  truthDocs.set(rep.study_id, keyInfoToDoc(ki, libs.officialNames));
  pred.set(
    rep.study_id,
    keyInfoToDoc(referenceToKeyInfo(extractReference(rep, libs, { likely: 'uncertain' })), libs.officialNames),
  );
});
const r = evaluate(
  { docs: truthDocs, scored: new Set(CATEGORIES), excluded: new Set(), source: 'synth truth' },
  { docs: pred, scored: new Set(CATEGORIES), excluded: new Set(), source: 'rules' },
);
const f = (c: 'positive' | 'negative' | 'uncertain') =>
  `${c} F1 ${((r.categories[c]?.f1 ?? 0) * 100).toFixed(1)}% (tp ${r.categories[c]?.tp ?? 0})`;
console.log(
  `agreement with the synthetic truth (first ${truth.length} reports): ${f('positive')}, ${f('negative')}, ${f('uncertain')}`,
);
