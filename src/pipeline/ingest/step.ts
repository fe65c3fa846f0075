import { z } from 'zod';
import type { IngestIssue, ReportRecord } from '../schemas/report.js';
import { INGEST_ISSUES, REPORTS } from './artifacts.js';
import { type Step, type StepContext, zeroOutputWarning } from '../steps/contract.js';
import type { Run } from '../store/run.js';
import { UserError } from '../util/errors.js';
import { openCorpus } from './sources.js';
import { isCanonicalView, VIEW_TEXT_KEY, ViewTally } from './views.js';

export const IngestParamsSchema = z.object({
  /** Reports above this size are skipped (`too_large`), never truncated: see text.ts. */
  maxReportBytes: z
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  /** Concurrent directory listings while scanning a report tree. */
  concurrency: z.number().int().min(1).max(512).default(32),
});
export type IngestParams = z.infer<typeof IngestParamsSchema>;

const FLUSH_EVERY = 500;
const MAX_ITEM_EVENTS = 200;

const issueKey = (i: IngestIssue) => `${i.reason}\t${i.study_id}\t${i.source}`;

function tally(counts: Map<string, number>): string {
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([r, n]) => `${r} ${n}`)
    .join(', ');
}

async function runIngest(ctx: StepContext<IngestParams>) {
  const { run, params, signal } = ctx;
  const cfg = run.state.config.corpus;
  if (!cfg) throw new UserError('This run has no corpus.', 'Pass --sample, or --corpus PATH [--format ...].');
  const source = await openCorpus(cfg);
  ctx.emit({ type: 'log', level: 'info', message: `reading ${source.describe}` });

  const reports = run.open(REPORTS);
  const issues = run.open(INGEST_ISSUES);
  const done = ctx.mode === 'resume' ? await reports.keys() : new Set<string>();
  const knownIssues = new Set<string>();
  let issueLines = 0;
  let warnings = 0;
  if (ctx.mode === 'resume') {
    for await (const i of issues.lines()) {
      knownIssues.add(issueKey(i));
      issueLines++;
      // Warnings of records kept from the earlier pass still count; skips are re-detected below.
      if (!i.skipped && done.has(i.study_id)) warnings++;
    }
    if (done.size)
      ctx.emit({
        type: 'log',
        level: 'info',
        message: `resuming: ${done.size} studies already ingested are kept and not read again`,
      });
  }

  let input = 0;
  let ingested = 0;
  let resumed = 0;
  let skipped = 0;
  let itemEvents = 0;
  let total: number | null = null;
  // Own files (CSV/JSONL) carry free-text views; MIMIC's metadata views are taken as they are.
  const views = cfg.kind === 'csv' || cfg.kind === 'jsonl' ? new ViewTally() : null;
  const skipReasons = new Map<string, number>();
  const warnReasons = new Map<string, number>();
  const seen = new Set<string>();
  let pendingRecords: ReportRecord[] = [];
  let pendingIssues: IngestIssue[] = [];

  const addIssue = (i: IngestIssue) => {
    const reasons = i.skipped ? skipReasons : warnReasons;
    reasons.set(i.reason, (reasons.get(i.reason) ?? 0) + 1);
    if (!i.skipped) warnings++;
    if (i.skipped && itemEvents++ < MAX_ITEM_EVENTS)
      ctx.emit({ type: 'item', key: i.study_id, outcome: 'skipped', reason: `${i.reason}: ${i.detail}` });
    // Only issues logged by an earlier pass are dropped: two bad input records may well look alike.
    if (knownIssues.has(issueKey(i))) return;
    pendingIssues.push(i);
  };
  const flush = () => {
    // Issues first: a crash between the two writes re-reads the record and finds its warning already logged.
    issues.appendMany(pendingIssues);
    issueLines += pendingIssues.length;
    reports.appendMany(pendingRecords);
    pendingIssues = [];
    pendingRecords = [];
  };
  const duplicate = (id: string, src: string) =>
    addIssue({
      study_id: id,
      source: src,
      reason: 'duplicate_id',
      detail: `study ${id} appears more than once; the first one is kept`,
      skipped: true,
    });

  let lastEmit = 0;
  const progress = (force = false) => {
    const now = Date.now();
    if (!force && now - lastEmit < 100) return;
    lastEmit = now;
    ctx.emit({
      type: 'progress',
      done: input,
      total: total === null ? null : Math.max(total, input),
      counters: { ingested, skipped, warnings },
    });
  };

  const items = source.items(
    { maxReportBytes: params.maxReportBytes, concurrency: params.concurrency, isDone: (id) => done.has(id), signal },
    {
      log: (level, message) => ctx.emit({ type: 'log', level, message }),
      onTotal: (n) => (total = n),
    },
  );
  try {
    for await (const item of items) {
      input++;
      if (item.kind === 'issue') {
        skipped++;
        addIssue(item.issue);
      } else {
        const id = item.kind === 'record' ? item.record.study_id : item.study_id;
        const src = item.kind === 'record' ? item.record.source : item.source;
        if (seen.has(id)) {
          skipped++;
          duplicate(id, src);
        } else {
          seen.add(id);
          ingested++;
          if (item.kind === 'record') {
            const v = item.record.view;
            views?.add(item.record.extra[VIEW_TEXT_KEY] ?? null, isCanonicalView(v) ? v : null);
            item.warnings.forEach(addIssue);
            pendingRecords.push(item.record);
          } else resumed++;
        }
      }
      if (pendingRecords.length >= FLUSH_EVERY || pendingIssues.length >= FLUSH_EVERY) flush();
      if (input % 100 === 0) progress();
      // Sources read files synchronously (see mimic.ts); let timers, signals and the UI run.
      if (input % 256 === 0) await new Promise((r) => setImmediate(r));
      if (signal.aborted) break;
    }
  } finally {
    flush();
    reports.close();
    issues.close();
  }
  progress(true);
  // Studies kept from an earlier pass that this pass no longer found in the corpus stay in `reports`.
  const orphans = done.size - resumed;
  if (orphans > 0)
    ctx.emit({
      type: 'log',
      level: 'warn',
      message: `${orphans} studies kept from the earlier pass are no longer in the corpus; they stay in reports`,
    });

  const parts = [
    `ingested ${ingested} of ${input} records${resumed ? ` (${resumed} kept from the earlier pass)` : ''}`,
  ];
  if (skipped) parts.push(`skipped ${skipped} (${tally(skipReasons)})`);
  if (warnings) parts.push(`${warnings} warnings${warnReasons.size ? ` (${tally(warnReasons)})` : ''}`);
  if (views && views.counts.missing < views.total) parts.push(`views ${views.describe()}`);
  if (skipped || warnings) parts.push('details in artifacts/ingest-issues.jsonl');
  const summary = parts.join('; ');
  if (!signal.aborted) {
    if (input === 0) throw new UserError(`No reports found in ${cfg.path}.`);
  }
  // Every record skipped: a finished step whose result is unusable (a warning), not a failure, so the
  // issues it logged stay inspectable beside it.
  const warning = zeroOutputWarning(
    input,
    ingested + resumed,
    `none of the ${input} records in ${cfg.path} could be ingested (${tally(skipReasons)})`,
    'see artifacts/ingest-issues.jsonl in the run folder, correct the corpus or its column mapping, then run ingest again',
  );
  ctx.emit({ type: 'log', level: skipped ? 'warn' : 'info', message: summary });
  if (views) reportViews(ctx, views);
  return {
    counts: {
      input,
      ingested,
      skipped,
      warnings,
      resumed,
      reports: ingested + Math.max(0, orphans),
      'ingest-issues': issueLines,
      ...(views ? { views_unreadable: views.counts.unreadable } : {}),
    },
    summary,
    warning,
  };
}

function reportViews(ctx: StepContext<IngestParams>, views: ViewTally): void {
  const c = views.counts;
  if (views.total === 0) return;
  if (c.missing === views.total) {
    ctx.emit({
      type: 'log',
      level: 'warn',
      message:
        'no view column: the questions step asks only about studies with a frontal view; map one with --column view=COLUMN, or include studies without a view with --set questions.unknownView=include',
    });
    return;
  }
  const unread = views.unreadableWarning();
  if (unread) ctx.emit({ type: 'log', level: 'warn', message: unread });
}

export const ingestStep: Step<typeof IngestParamsSchema> = {
  id: 'ingest',
  title: 'Ingest reports',
  description:
    'Read the corpus (MIMIC-CXR tree + metadata, CSV or JSONL), select the report sections for the model and the rules, and log every record that cannot be used.',
  params: IngestParamsSchema,
  reads: [],
  writes: [REPORTS, INGEST_ISSUES],
  configKeys: ['corpus'],
  // Whether the corpus is credentialed steers the data-use guard, not what is ingested: it counts as its
  // layout's default, so recording it (llm set --data-use) stales nothing and fingerprints recorded
  // before (the whole corpus section) still match.
  configFingerprint: (config) => ({
    corpus: config.corpus && {
      ...config.corpus,
      credentialed: config.corpus.kind === 'mimic' || config.corpus.kind === 'mimic-jpg',
    },
  }),
  async preflight(ctx) {
    const cfg = ctx.run.state.config.corpus;
    if (!cfg) throw new UserError('This run has no corpus.', 'Pass --sample, or --corpus PATH [--format ...].');
    await openCorpus(cfg);
  },
  run: runIngest,
  async preview(run: Run) {
    const st = run.state.steps.ingest;
    if (!st || st.status === 'not_run') return 'not run yet';
    const c = st.counts;
    return `${c.ingested ?? 0} reports, ${c.skipped ?? 0} skipped, ${c.warnings ?? 0} warnings`;
  },
};
