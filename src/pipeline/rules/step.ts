import { z } from 'zod';
import { REPORTS } from '../ingest/artifacts.js';
import type { ReferenceRecord } from '../schemas/reference.js';
import type { Step, StepContext } from '../steps/contract.js';
import type { Run } from '../store/run.js';
import { REFERENCE } from './artifacts.js';
import { extractReference } from './extract.js';
import { libsFor, loadLibs } from './libs.js';
import { styleOf } from '../runner/style.js';

export const ReferenceParamsSchema = z.object({
  /** How "likely X" / "probable X" is read: KeyInfo puts hedged findings in uncertain_entity. */
  likely: z.enum(['positive', 'uncertain']).default('uncertain'),
  /** A folder of rules libraries to use instead of the bundled data/libs. */
  libs: z.string().nullable().default(null),
});
export type ReferenceParams = z.infer<typeof ReferenceParamsSchema>;

const FLUSH_EVERY = 500;

async function runReference(ctx: StepContext<ReferenceParams>) {
  const { run, params, signal } = ctx;
  const style = styleOf(run);
  const libs = params.libs ? loadLibs(params.libs, style) : libsFor(style);
  const reports = run.open(REPORTS);
  const out = run.open(REFERENCE);
  const done = ctx.mode === 'resume' ? await out.keys() : new Set<string>();
  if (done.size)
    ctx.emit({ type: 'log', level: 'info', message: `resuming: ${done.size} studies already have a reference record` });
  const total = run.state.artifacts['reports']?.count ?? null;
  const counts = { studies: 0, with_findings: 0, entities: 0, negatives: 0, uncertain: 0, resumed: 0 };
  let pending: ReferenceRecord[] = [];
  let seen = 0;
  let last = 0;
  const progress = (force = false) => {
    const now = Date.now();
    if (!force && now - last < 100) return;
    last = now;
    ctx.emit({
      type: 'progress',
      done: seen,
      total,
      counters: { with_findings: counts.with_findings, entities: counts.entities, negatives: counts.negatives },
    });
  };
  try {
    for await (const report of reports.lines()) {
      if (signal.aborted) break;
      seen++;
      if (done.has(report.study_id)) {
        counts.resumed++;
        continue;
      }
      // Several lines for one study: the last one wins; the resume set keeps a study from being written twice.
      const ref = extractReference(report, libs, { likely: params.likely, style });
      done.add(report.study_id);
      pending.push(ref);
      counts.studies++;
      const n = Object.keys(ref.entity).length;
      if (n) counts.with_findings++;
      counts.entities += n;
      counts.negatives += ref.no_entity.length;
      counts.uncertain += ref.uncertain_entity.length;
      if (pending.length >= FLUSH_EVERY) {
        out.appendMany(pending);
        pending = [];
        progress();
        // Extraction is synchronous; yield so signals, timers and the UI run.
        await new Promise((r) => setImmediate(r));
      }
    }
  } finally {
    out.appendMany(pending);
    out.close();
  }
  progress(true);
  const summary = `${counts.studies} studies${counts.resumed ? ` (+${counts.resumed} kept)` : ''}: ${counts.with_findings} with findings, ${counts.entities} findings, ${counts.negatives} negatives, ${counts.uncertain} hedged`;
  return { counts: { ...counts, reference: counts.studies + counts.resumed }, summary };
}

export const referenceStep: Step<typeof ReferenceParamsSchema> = {
  id: 'reference',
  title: 'Rule-based reference KeyInfo',
  description:
    'Extract findings, negatives and hedged findings from every report with the term libraries in data/libs (docs/method.md §7 with the fixes in docs/rules.md); each finding keeps its evidence span.',
  params: ReferenceParamsSchema,
  reads: [REPORTS],
  writes: [REFERENCE],
  requires: () => [REPORTS],
  usesStyle: true,
  run: runReference,
  async preview(run: Run) {
    const st = run.state.steps['reference'];
    if (!st || st.status === 'not_run') return 'not run yet';
    const c = st.counts;
    return `${c.studies ?? 0} studies, ${c.with_findings ?? 0} with findings, ${c.entities ?? 0} findings, ${c.negatives ?? 0} negatives`;
  },
};
