import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ReferenceRecord } from '../../src/pipeline/schemas/reference.js';
import { ReferenceRecordSchema } from '../../src/pipeline/schemas/reference.js';
import type { StrictKeyInfo } from '../../src/pipeline/schemas/keyinfo.js';
import { emptyKeyInfo } from '../../src/pipeline/schemas/keyinfo.js';
import type { StandardizedRow } from '../../src/pipeline/standardize/input.js';
import { Run } from '../../src/pipeline/store/run.js';
import type { Reply, SeenRequest } from '../helpers/loopback-server.js';
import { syntheticReports } from '../helpers/reports.js';

/** A study for follow-up tests: what the model's standardized record has and what the reference has. */
export interface FuStudy {
  positives?: string[];
  negatives?: string[];
  refPositives?: string[];
  refNegatives?: string[];
}

export function keyInfo(positives: string[] = [], negatives: string[] = []): StrictKeyInfo {
  const k = emptyKeyInfo();
  for (const p of positives) k.entity[p] = { location: null, level: null, type: null };
  k.no_entity = [...negatives];
  return k;
}

export function reference(study_id: string, positives: string[] = [], negatives: string[] = []): ReferenceRecord {
  return ReferenceRecordSchema.parse({
    study_id,
    subject_id: 'p1',
    entity: Object.fromEntries(positives.map((p) => [p, { entity_name: p }])),
    no_entity: negatives,
  });
}

export const env = (cycle?: number) => ({
  confirmations: new Set<string>(),
  env: {} as NodeJS.ProcessEnv,
  maxFailed: 1,
  ...(cycle !== undefined ? { cycle } : {}),
});

/** A run with reports, reference, raw and standardized (cycle 0) for the given studies, backend llm on `url`. */
export async function makeRun(
  studies: FuStudy[],
  url: string,
  llm: Record<string, unknown> = {},
): Promise<{ run: Run; ids: string[]; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cxr-fu-'));
  const run = await Run.open(dir, { create: true });
  const reports = syntheticReports(studies.length);
  const ids = reports.map((r) => r.study_id);
  run.artifact('reports').appendMany(reports);
  run.artifact('reference').appendMany(studies.map((s, i) => reference(ids[i]!, s.refPositives, s.refNegatives)));
  run.artifact('raw').appendMany(
    studies.map((s, i) => ({
      study_id: ids[i]!,
      status: 'ok',
      keyinfo: keyInfo(s.positives, s.negatives),
      backend: 'llm',
    })),
  );
  run.artifact<StandardizedRow>('standardized').appendMany(
    studies.map((s, i) => ({
      study_id: ids[i]!,
      keyinfo: keyInfo(s.positives, s.negatives),
      cycle: 0,
      source: 'raw' as const,
    })),
  );
  for (const n of ['reports', 'reference', 'raw', 'standardized']) run.artifact(n).close();
  await run.update((s) => {
    s.config.corpus = { kind: 'jsonl', path: '/dev/null', metadata: null, columns: {}, credentialed: false };
    s.config.backend = 'llm';
    s.config.llm = {
      model: 'extractor',
      endpoints: [{ url }],
      retries: { max: 2, baseMs: 10, maxMs: 50 },
      idleTimeoutMs: 30_000,
      timeoutMs: 60_000,
      concurrency: 8,
      ...llm,
    };
    for (const n of ['reports', 'reference', 'raw', 'standardized'])
      s.artifacts[n] = { version: 1, count: studies.length, updatedAt: null };
  });
  return { run, ids, dir };
}

export interface FollowupAsk {
  studyText: string;
  study: string;
  polarity: 'positive' | 'negative';
  entity: string;
  current: Record<string, unknown>;
}

/** Read a follow-up request: the study (from the report turn), the question and the JSON the model is shown. */
export function readAsk(req: SeenRequest): FollowupAsk | null {
  const m = req.body.messages;
  if (m.length !== 4 || m[2]?.role !== 'assistant') return null;
  const q = m[3]!.content;
  const ent = /^Is there (.+?) in this report\?/.exec(q);
  if (!ent) return null;
  const studyText = m[1]!.content;
  const study = /Study (\d+)\./.exec(studyText)?.[1];
  return {
    studyText,
    study: study !== undefined ? `s${study.padStart(6, '0')}` : studyText,
    polarity: /"no_entity" list/.test(q) ? 'negative' : 'positive',
    entity: ent[1]!,
    current: JSON.parse(m[2]!.content) as Record<string, unknown>,
  };
}

/** The model's reply that adds the asked finding to the record it was shown. */
export function addAsked(a: FollowupAsk, extra: string[] = []): Reply {
  const next = structuredClone(a.current) as { entity: Record<string, unknown>; no_entity: string[] };
  if (a.polarity === 'positive')
    for (const e of [a.entity, ...extra]) next.entity[e] = { location: null, level: null, type: null };
  else next.no_entity = [...next.no_entity, a.entity, ...extra];
  return { content: JSON.stringify(next) };
}

export const unchanged = (a: FollowupAsk): Reply => ({ content: JSON.stringify(a.current) });

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
