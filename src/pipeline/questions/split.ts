import { sha256 } from '../util/hash.js';
import type { QuestionParams, StudyMeta } from './schema.js';

export interface SplitAssignment {
  /** subject_id → split. */
  bySubject: Map<string, string>;
  /** Subjects whose metadata split differed between studies (the earliest study's split is used). */
  conflicts: string[];
  /** Subjects split by seed because their metadata had no split. */
  seeded: number;
}

/** A subject's seeded split: a hash of seed and subject, so it does not depend on record order. */
export function seededSplit(subject: string, seed: number, ratios: QuestionParams['splitRatios']): string {
  const u = parseInt(sha256(`${seed}:${subject}`).slice(0, 8), 16) / 0x1_0000_0000;
  const total = ratios.train + ratios.validate + ratios.test;
  if (u < ratios.train / total) return 'train';
  if (u < (ratios.train + ratios.validate) / total) return 'validate';
  return 'test';
}

const metaOrder = (a: StudyMeta, b: StudyMeta) =>
  (a.study_order ?? Infinity) - (b.study_order ?? Infinity) ||
  cmp(a.study_date ?? '', b.study_date ?? '') ||
  cmp(a.study_id, b.study_id);
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** One split per subject, so no subject is ever in two splits. */
export function assignSplits(
  metas: Iterable<StudyMeta>,
  params: Pick<QuestionParams, 'splitMode' | 'seed' | 'splitRatios'>,
): SplitAssignment {
  const bySubjectMetas = new Map<string, StudyMeta[]>();
  for (const m of metas) {
    const list = bySubjectMetas.get(m.subject_id);
    if (list) list.push(m);
    else bySubjectMetas.set(m.subject_id, [m]);
  }
  const bySubject = new Map<string, string>();
  const conflicts: string[] = [];
  let seeded = 0;
  for (const [subject, list] of bySubjectMetas) {
    const given = params.splitMode === 'metadata' ? list.filter((m) => m.split).sort(metaOrder) : [];
    if (given.length === 0) {
      bySubject.set(subject, seededSplit(subject, params.seed, params.splitRatios));
      seeded++;
      continue;
    }
    const first = given[0]!.split!;
    if (given.some((m) => m.split !== first)) conflicts.push(subject);
    bySubject.set(subject, first);
  }
  conflicts.sort();
  return { bySubject, conflicts, seeded };
}
