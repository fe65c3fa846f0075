import { formatUsage } from '../util/format.js';
import fs from 'node:fs';
import path from 'node:path';
import { readDatasetChecks, type DatasetChecks } from '../dataset/step.js';
import { DATASET_DIR, toolVersion } from '../questions/step.js';
import { QUESTION_TYPES, type QaPair, type QuestionType } from '../questions/schema.js';
import { computeStats, type DatasetStats } from '../questions/stats.js';
import { displayStatus } from '../runner/status.js';
import type { CycleRecord } from '../schemas/state.js';
import { STEPS } from '../steps/registry.js';
import type { Run } from '../store/run.js';

export interface StepReport {
  id: string;
  /** The step's number in the notebook (its place in the plan). */
  number: number;
  title: string;
  status: string;
  /** A finished step's warning: its reason and fix. */
  warning: string | null;
  params: Record<string, unknown>;
  counts: Record<string, number>;
  durationMs: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  summary: string;
  error: string | null;
  /** LLM tokens and cost, null when the step sent nothing. */
  spend: string | null;
}

/** A step of the plan with no result in this run, and why. */
export interface SkippedStep {
  id: string;
  number: number;
  title: string;
  reason: string;
}

export interface RunReportData {
  dir: string;
  toolVersion: string;
  createdAt: string;
  updatedAt: string;
  corpus: string;
  backend: string;
  steps: StepReport[];
  skipped: SkippedStep[];
  cycles: CycleRecord[];
  stats: DatasetStats | null;
  /** Consistency and bias results of the check step. */
  checks: DatasetChecks | null;
  /** JSON reports the evaluation writes into `<run>/eval/`, by file name. */
  evals: Array<{ name: string; data: unknown }>;
  samples: Partial<Record<QuestionType, QaPair[]>>;
}

export const SAMPLES_PER_TYPE = 5;

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    return { error: `could not read ${path.basename(file)}: ${(err as Error).message}` };
  }
}

/**
 * Per type, the pairs with the smallest qa_id: qa_ids are hashes, so this is
 * a spread-out sample that is the same every time the report is rebuilt.
 */
export class SampleKeeper {
  readonly byType = new Map<QuestionType, QaPair[]>();
  constructor(private readonly n = SAMPLES_PER_TYPE) {}
  add(p: QaPair): void {
    let list = this.byType.get(p.question_type);
    if (!list) this.byType.set(p.question_type, (list = []));
    if (list.length === this.n && p.qa_id >= list[list.length - 1]!.qa_id) return;
    list.push(p);
    list.sort((a, b) => (a.qa_id < b.qa_id ? -1 : 1));
    if (list.length > this.n) list.pop();
  }
}

export async function collectRunReport(run: Run): Promise<RunReportData> {
  const s = run.state;
  const known = STEPS.map((st) => st.id);
  const ran = (id: string) => s.steps[id] !== undefined && s.steps[id]!.status !== 'not_run';
  const ids = [...known.filter(ran), ...Object.keys(s.steps).filter((id) => !known.includes(id))];
  const numberOf = (id: string) => (known.includes(id) ? known.indexOf(id) + 1 : known.length + ids.indexOf(id) + 1);
  const steps: StepReport[] = ids.map((id) => {
    const st = s.steps[id]!;
    const step = STEPS.find((x) => x.id === id);
    return {
      id,
      number: numberOf(id),
      title: step?.title ?? id,
      warning: step && displayStatus(run, step) === 'warning' ? st.warning : null,
      // Derived like `cxrvqa status`: a done step whose params or inputs changed since is stale.
      status: step ? displayStatus(run, step) : st.status,
      params: st.params,
      counts: st.counts,
      durationMs: st.durationMs,
      startedAt: st.startedAt,
      finishedAt: st.finishedAt,
      summary: st.summary,
      error: st.error,
      spend: formatUsage(st.usage),
    };
  });

  const samples = new SampleKeeper();
  const pairs = run.artifact<QaPair>('questions');
  const statsFile = path.join(run.dir, DATASET_DIR, 'stats.json');
  let stats: DatasetStats | null = fs.existsSync(statsFile) ? (readJson(statsFile) as DatasetStats) : null;
  if (stats && !Array.isArray((stats as { by_type?: unknown }).by_type)) stats = null;
  if (pairs.exists()) {
    const all: QaPair[] = [];
    for await (const p of pairs.lines()) {
      samples.add(p);
      if (!stats) all.push(p);
    }
    if (!stats && all.length) stats = computeStats(all);
  }

  const evalDir = path.join(run.dir, 'eval');
  const evals = fs.existsSync(evalDir)
    ? fs
        .readdirSync(evalDir)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => ({ name: f.replace(/\.json$/, ''), data: readJson(path.join(evalDir, f)) }))
    : [];
  const c = s.config.corpus;
  return {
    dir: run.dir,
    toolVersion: toolVersion(),
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    corpus: c ? `${c.kind} ${c.path}${c.credentialed ? ' (credentialed)' : ''}` : '(none)',
    backend: s.config.backend,
    steps,
    skipped: skippedSteps(run, numberOf),
    cycles: s.cycles,
    stats,
    checks: readDatasetChecks(run),
    evals,
    samples: Object.fromEntries(
      QUESTION_TYPES.filter((t) => samples.byType.has(t)).map((t) => [t, samples.byType.get(t)!]),
    ),
  };
}

/** Steps of the plan without a result, with the reason: not for this run's settings, stopped by a warning, or not run yet. */
function skippedSteps(run: Run, numberOf: (id: string) => number): SkippedStep[] {
  let warnedBy: string | null = null;
  const out: SkippedStep[] = [];
  for (const step of STEPS) {
    const st = run.state.steps[step.id];
    if (st && st.status !== 'not_run') {
      if (displayStatus(run, step) === 'warning') warnedBy ??= step.id;
      continue;
    }
    let applies: { ok: boolean; reason?: string } = { ok: true };
    try {
      applies = step.applies?.(run) ?? applies;
    } catch (err) {
      applies = { ok: false, reason: (err as Error).message };
    }
    const reason = !applies.ok
      ? `not for this run: ${applies.reason ?? 'not applicable'}`
      : warnedBy
        ? `not run: ${warnedBy} gave nothing to work on (see its warning)`
        : 'not run yet';
    out.push({ id: step.id, number: numberOf(step.id), title: step.title, reason });
  }
  return out;
}
