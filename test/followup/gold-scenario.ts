import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { keyInfoToDoc } from '../../src/pipeline/eval/fromKeyInfo.js';
import { evaluate } from '../../src/pipeline/eval/metrics.js';
import { CATEGORIES, normalizeId, type EvalSet } from '../../src/pipeline/eval/types.js';
import { normalizeForFollowup } from '../../src/pipeline/followup/plan.js';
import { normalizeEntityName } from '../../src/pipeline/names/normalize.js';
import type { FollowupLogRow, FollowupRow } from '../../src/pipeline/followup/schema.js';
import { followupStep } from '../../src/pipeline/followup/step.js';
import { ingestStep } from '../../src/pipeline/ingest/step.js';
import { referenceStep } from '../../src/pipeline/rules/step.js';
import { corpusConfigFrom } from '../../src/pipeline/runner/configure.js';
import { runStep } from '../../src/pipeline/runner/runner.js';
import type { ReferenceRecord } from '../../src/pipeline/schemas/reference.js';
import type { ReportRecord } from '../../src/pipeline/schemas/report.js';
import type { AnyStep } from '../../src/pipeline/steps/contract.js';
import { Run } from '../../src/pipeline/store/run.js';
import { sha256 } from '../../src/pipeline/util/hash.js';
import { dataPath } from '../../src/pipeline/util/paths.js';
import { startLoopbackServer } from '../helpers/loopback-server.js';
import { addAsked, readAsk, reference, unchanged } from './fixtures.js';

/**
 * The bundled gold set with a scripted model: each study starts from its gold
 * record with some positives and negatives removed (seeded); the reference is
 * the full gold record; the model answers a follow-up by adding the asked
 * finding when gold has it (by the evaluation's normalized name), at
 * `answerRate` (seeded), else returns its JSON unchanged. Recall is measured against gold before and after one cycle.
 */

export interface ScenarioOptions {
  removeRate: number;
  answerRate: number;
  seed: string;
  /** `gold`: the full gold record; `rules`: the project's rule-based extractor on the reports. */
  reference?: 'gold' | 'rules';
}

export interface ScenarioResult {
  studies: number;
  removed: { positive: number; negative: number };
  /** Findings the script put back under gold's name (what the script allows). */
  added: { positive: number; negative: number };
  asked: number;
  before: { positive: number; negative: number; precisionPositive: number; precisionNegative: number };
  after: { positive: number; negative: number; precisionPositive: number; precisionNegative: number };
  /** Gold findings per polarity (the recall denominators). */
  total: { positive: number; negative: number };
  seconds: number;
}

type Gold = {
  study_id: string;
  opacity_vs_clear: Record<string, unknown>;
  entity: Record<string, unknown>;
  uncertain_entity: Record<string, unknown>;
  no_entity: string[];
};

/** Deterministic draw in [0, 1) from a seed and a key. */
const draw = (seed: string, key: string) => parseInt(sha256(`${seed}\u0000${key}`).slice(0, 8), 16) / 2 ** 32;

export function readGold(): Gold[] {
  return fs
    .readFileSync(dataPath('sample', 'gold.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Gold);
}

function evalSet(records: Map<string, unknown>, source: string): EvalSet {
  return {
    docs: new Map([...records].map(([id, k]) => [normalizeId(id), keyInfoToDoc(k)])),
    scored: new Set(CATEGORIES),
    excluded: new Set(),
    source,
  };
}

function scores(gold: EvalSet, pred: EvalSet) {
  const r = evaluate(gold, pred).categories;
  return {
    positive: r.positive!.recall ?? 0,
    negative: r.negative!.recall ?? 0,
    precisionPositive: r.positive!.precision ?? 0,
    precisionNegative: r.negative!.precision ?? 0,
  };
}

/** Gold with some findings removed; a removed lung opacity also leaves opacity_vs_clear. */
export function incomplete(
  g: Gold,
  o: ScenarioOptions,
): { record: Gold; removed: { positive: number; negative: number } } {
  const record = structuredClone(g);
  const removed = { positive: 0, negative: 0 };
  for (const name of Object.keys(g.entity)) {
    if (draw(o.seed, `${g.study_id}:p:${name}`) >= o.removeRate) continue;
    delete record.entity[name];
    if (normalizeForFollowup(name).ask === 'opacity') delete record.opacity_vs_clear.opacity;
    removed.positive++;
  }
  record.no_entity = g.no_entity.filter((name) => {
    const drop = draw(o.seed, `${g.study_id}:n:${name}`) < o.removeRate;
    if (drop) removed.negative++;
    return !drop;
  });
  return { record, removed };
}

export async function runGoldScenario(o: ScenarioOptions): Promise<ScenarioResult> {
  const t0 = Date.now();
  const gold = readGold();
  const byText = new Map<string, Gold>();
  const added = { positive: 0, negative: 0 };
  const credited = new Set<string>();
  let asked = 0;
  const server = await startLoopbackServer({
    record: false,
    respond: (req) => {
      const a = readAsk(req);
      const g = a && byText.get(a.studyText);
      if (!a || !g) return { status: 400, message: 'unexpected request' };
      asked++;
      // The scripted model knows the truth as gold has it, under the name the evaluation scores.
      const doc = keyInfoToDoc(g);
      const name = normalizeEntityName(a.entity);
      const inGold = a.polarity === 'positive' ? doc.positive.has(name) : doc.negative.has(name);
      if (!inGold || draw(o.seed, `${g.study_id}:answer:${a.polarity}:${a.entity}`) >= o.answerRate)
        return unchanged(a);
      // Two names the evaluation reads as one (enlarged heart, cardiomegaly) count once.
      const key = `${g.study_id}:${a.polarity}:${name}`;
      if (!credited.has(key)) added[a.polarity]++;
      credited.add(key);
      return addAsked(a);
    },
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cxr-fu-gold-'));
  const run = await Run.open(dir, { create: true });
  try {
    await run.update((s) => {
      s.config.corpus = corpusConfigFrom({ sample: true });
      s.config.backend = 'llm';
      s.config.llm = { model: 'extractor', endpoints: [{ url: server.url }], concurrency: 16 };
    });
    const env = { confirmations: new Set<string>(), env: {} as NodeJS.ProcessEnv };
    await runStep(run, ingestStep as unknown as AnyStep, { signal: new AbortController().signal, env });
    const useRules = o.reference === 'rules';
    if (useRules)
      await runStep(run, referenceStep as unknown as AnyStep, { signal: new AbortController().signal, env });
    const reports = await run.artifact<ReportRecord>('reports').readMap();
    const goldIds = new Map(gold.map((g) => [normalizeId(g.study_id), g]));
    const start = new Map<string, unknown>();
    const removed = { positive: 0, negative: 0 };
    const std = run.artifact<{ study_id: string; keyinfo: unknown; cycle: number; source: string }>('standardized');
    const ref = run.artifact<ReferenceRecord>('reference');
    for (const r of reports.values()) {
      const g = goldIds.get(normalizeId(r.study_id));
      if (!g) continue;
      byText.set(r.selected.trim() ? r.selected : r.text, g);
      const inc = incomplete(g, o);
      removed.positive += inc.removed.positive;
      removed.negative += inc.removed.negative;
      const { study_id: _id, ...keyinfo } = inc.record;
      start.set(r.study_id, keyinfo);
      std.append({ study_id: r.study_id, keyinfo, cycle: 0, source: 'raw' });
      if (!useRules) ref.append(reference(r.study_id, Object.keys(g.entity), g.no_entity));
    }
    std.close();
    ref.close();
    const outcome = await runStep(run, followupStep as unknown as AnyStep, {
      signal: new AbortController().signal,
      env: { ...env, cycle: 1 },
    });
    if (outcome !== 'done') throw new Error(`follow-up ${outcome}: ${run.state.steps.followup?.error}`);
    const after = new Map<string, unknown>(start);
    for await (const r of run.artifact<FollowupRow>('followup').lines()) after.set(r.study_id, r.keyinfo);
    let logged = 0;
    for await (const l of run.artifact<FollowupLogRow>('followup-log').lines()) if (l.status !== 'dropped') logged++;
    if (logged !== asked) throw new Error(`log has ${logged} asked questions, the server saw ${asked}`);
    const goldSet = evalSet(new Map([...start.keys()].map((id) => [id, goldIds.get(normalizeId(id))])), 'gold');
    const b = scores(goldSet, evalSet(start, 'before'));
    const a = scores(goldSet, evalSet(after, 'after'));
    const rep = evaluate(goldSet, evalSet(start, 'before')).categories;
    return {
      studies: start.size,
      removed,
      added,
      asked,
      before: b,
      after: a,
      total: { positive: rep.positive!.tp + rep.positive!.fn, negative: rep.negative!.tp + rep.negative!.fn },
      seconds: (Date.now() - t0) / 1000,
    };
  } finally {
    await run.close();
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
