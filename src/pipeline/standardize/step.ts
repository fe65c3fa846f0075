import { z } from 'zod';
import { RAW } from '../extract/artifacts.js';
import { FOLLOWUP } from '../followup/artifacts.js';
import type { ExtractionResult } from '../schemas/extraction.js';
import { type Step, type StepContext, zeroOutputWarning } from '../steps/contract.js';
import type { Run } from '../store/run.js';
import { ChangeLog } from './changes.js';
import type { ChangeLogRow } from './changes.js';
import { STANDARDIZED, STD_CHANGES } from './artifacts.js';
import { bootstrapContext, buildContext, type RejectedTerms } from './context.js';
import { exportReviewCsvs, readReviewedTerms, unclearCommentsWarning, writeDictionaries } from './dict-io.js';
import { FrequencyCounter, scaledHighThreshold } from './dictionaries.js';
import {
  FollowupInputSchema,
  latestFollowup,
  selectInput,
  type FollowupInput,
  type InputChoice,
  type StandardizedRow,
} from './input.js';
import { standardizeRecord, toStrict } from './record.js';
import { repairRecord } from './shape.js';
import { defaultLibs } from '../rules/libs.js';
import { styleOf } from '../runner/style.js';

export const StandardizeParamsSchema = z.object({
  /** Count from which a level/type/location word is "high frequency"; `auto` scales with the corpus (docs/standardize.md). */
  highThreshold: z.union([z.literal('auto'), z.number().int().min(1)]).default('auto'),
  /** Folder with reviewed term lists (`<name>_dict_checked.csv` or `<name>_review.csv`, columns Term,Comment). */
  reviewedTermsDir: z.string().optional(),
  /** Also write blank `<name>_review.csv` sheets for clinicians next to the dictionaries. */
  exportReviewCsv: z.boolean().default(false),
});
export type StandardizeParams = z.infer<typeof StandardizeParamsSchema>;

const BATCH = 1000;
const MAX_ITEM_EVENTS = 200;

/** Every input of the step in a stable order: raw studies in file order, then follow-up-only studies. */
function* inputs(
  rawRows: Map<string, ExtractionResult>,
  followups: Map<string, FollowupInput>,
): Generator<InputChoice> {
  for (const [id, row] of rawRows) yield selectInput(id, row, followups.get(id));
  for (const [id, f] of followups) if (!rawRows.has(id)) yield selectInput(id, undefined, f);
}

async function runStandardize(ctx: StepContext<StandardizeParams>) {
  const { run, params, signal } = ctx;
  const cycle = ctx.env.cycle ?? 0;
  const raw = run.open(RAW);
  let badLines = 0;
  const onBadLine = () => void badLines++;
  // Read loosely: rows written by earlier versions of the follow-up step still count.
  const followupArt = run.open(FOLLOWUP, FollowupInputSchema);
  const followRows: FollowupInput[] = [];
  for await (const r of followupArt.lines({ onIssue: onBadLine })) followRows.push(r);
  const followups = latestFollowup(followRows);
  ctx.emit({
    type: 'log',
    level: 'info',
    message: `reading extraction results${followups.size ? ` and ${followups.size} follow-up results` : ''}`,
  });
  // Last line per study wins (extraction retries append). Read once and kept: parsing JSONL is the costliest part of a pass.
  const rawRows = await raw.readMap({ onIssue: onBadLine });

  let rejected: RejectedTerms | null = null;
  if (params.reviewedTermsDir) {
    const r = readReviewedTerms(params.reviewedTermsDir);
    rejected = r.rejected;
    ctx.emit({
      type: 'log',
      level: 'info',
      message: `reviewed term lists: ${r.files.length ? r.files.join(', ') : 'none found'}`,
    });
    const unclear = unclearCommentsWarning(r.unclear);
    if (unclear) ctx.emit({ type: 'log', level: 'warn', message: unclear });
  }

  // Pass 1: frequency dictionaries over every usable input (shape-repaired, before any mapping, as the original counted).
  const boot = bootstrapContext();
  const counter = new FrequencyCounter();
  const skipReasons = new Map<string, number>();
  let usable = 0;
  let seen = 0;
  for (const choice of inputs(rawRows, followups)) {
    if (++seen % 5000 === 0) {
      // Let the UI render and a stop request arrive during the counting pass.
      await new Promise<void>((r) => setImmediate(r));
      signal.throwIfAborted();
    }
    if (choice.kind === 'skip') {
      skipReasons.set(choice.reason, (skipReasons.get(choice.reason) ?? 0) + 1);
      continue;
    }
    usable++;
    counter.add(toStrict(repairRecord(choice.keyinfo, boot, new ChangeLog(false))));
  }
  const dicts = counter.result();
  const threshold = params.highThreshold === 'auto' ? scaledHighThreshold(usable) : params.highThreshold;
  const dictDir = run.outputDir('dictionaries');
  writeDictionaries(dictDir, dicts);
  if (params.exportReviewCsv) exportReviewCsvs(dictDir, dicts);
  ctx.emit({
    type: 'log',
    level: 'info',
    message: `dictionaries: ${dicts.entity.length} entities, ${dicts.location.length} locations, ${dicts.level.length} levels, ${dicts.type.length} types; high threshold ${threshold} → ${dictDir}`,
  });
  const protectedNames = defaultLibs().diseases.map((d) => d.official);
  const sctx = buildContext(dicts, {
    highThreshold: threshold,
    rejected,
    protectedNames,
    style: styleOf(run),
  });

  // Pass 2: standardize.
  const out = run.open(STANDARDIZED);
  const changesArt = run.open(STD_CHANGES);
  const done = ctx.mode === 'resume' ? await out.keys() : new Set<string>();
  if (done.size)
    ctx.emit({ type: 'log', level: 'info', message: `resuming: ${done.size} studies already standardized are kept` });
  let processed = 0;
  let written = 0;
  let changed = 0;
  let failed = 0;
  let fromFollowup = 0;
  let itemEvents = 0;
  let rows: StandardizedRow[] = [];
  let logRows: ChangeLogRow[] = [];
  const flush = () => {
    out.appendMany(rows);
    changesArt.appendMany(logRows);
    rows = [];
    logRows = [];
  };
  try {
    for (const choice of inputs(rawRows, followups)) {
      if (choice.kind === 'skip') {
        if (itemEvents++ < MAX_ITEM_EVENTS)
          ctx.emit({ type: 'item', key: choice.study_id, outcome: 'skipped', reason: choice.reason });
        continue;
      }
      processed++;
      if (done.has(choice.study_id)) continue;
      const res = standardizeRecord(choice.keyinfo, sctx);
      logRows.push({ study_id: choice.study_id, cycle, changes: res.changes });
      if (res.error) {
        failed++;
        if (itemEvents++ < MAX_ITEM_EVENTS)
          ctx.emit({ type: 'item', key: choice.study_id, outcome: 'failed', reason: res.error });
      } else {
        rows.push({ study_id: choice.study_id, keyinfo: res.keyinfo, cycle, source: choice.source });
        written++;
        if (res.changes.length) changed++;
        if (choice.source === 'followup') fromFollowup++;
      }
      if (rows.length + logRows.length >= 2 * BATCH || processed % BATCH === 0) {
        flush();
        ctx.emit({
          type: 'progress',
          done: processed,
          total: usable,
          counters: { standardized: written, changed, failed },
        });
        // Checked between batches only, so a stop never leaves half a batch unwritten.
        signal.throwIfAborted();
        await new Promise<void>((r) => setImmediate(r));
      }
    }
    flush();
  } finally {
    out.close();
    changesArt.close();
  }
  ctx.emit({ type: 'progress', done: processed, total: usable, counters: { standardized: written, changed, failed } });
  const skipped = [...skipReasons.values()].reduce((a, b) => a + b, 0);
  const skipText = skipped ? `; skipped ${skipped} (${[...skipReasons].map(([r, n]) => `${r}: ${n}`).join(', ')})` : '';
  if (skipped)
    ctx.emit({
      type: 'log',
      level: 'warn',
      message: `skipped ${skipped} studies without a usable KeyInfo ${skipText.slice(skipText.indexOf('('))}`,
    });
  if (badLines) ctx.emit({ type: 'log', level: 'warn', message: `${badLines} unreadable input lines were ignored` });
  const total = written + done.size;
  const summary = `${total} standardized (cycle ${cycle}; ${changed} changed, ${fromFollowup} from follow-up${done.size ? `, ${done.size} kept from before` : ''})${failed ? `; ${failed} failed` : ''}${skipText}`;
  const counts: Record<string, number> = {
    standardized: total,
    'std-changes': total + failed,
    changed,
    failed,
    skipped,
    fromFollowup,
    highThreshold: threshold,
  };
  for (const [reason, n] of skipReasons) counts[`skipped:${reason}`] = n;
  const warning = zeroOutputWarning(
    seen,
    total,
    `0 standardized records from ${seen} extraction results${skipText}`,
    'the extraction gave no usable KeyInfo: look at the extract step (cxrvqa status, artifacts/raw.jsonl reasons) and run it again',
  );
  return { counts, summary, warning };
}

async function preview(run: Run): Promise<string> {
  const a = run.state.artifacts.standardized;
  return a ? `${a.count} standardized records` : 'not run';
}

export const standardizeStep: Step<typeof StandardizeParamsSchema> = {
  id: 'standardize',
  title: 'Standardize',
  description:
    'Repair the shape of extracted KeyInfo, map names and attributes to standard terms, apply reviewed term lists (docs/method.md §9).',
  params: StandardizeParamsSchema,
  reads: [RAW, FOLLOWUP],
  writes: [STANDARDIZED, STD_CHANGES],
  // Follow-up rows only ever refine extracted studies, so the extraction is what must exist.
  requires: () => [RAW],
  usesStyle: true,
  // A bad reviewed-terms folder or sheet is reported before any work starts.
  async preflight(ctx) {
    if (ctx.params.reviewedTermsDir) readReviewedTerms(ctx.params.reviewedTermsDir);
  },
  run: runStandardize,
  preview,
};
