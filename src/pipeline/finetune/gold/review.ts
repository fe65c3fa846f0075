import path from 'node:path';
import { z } from 'zod';
import type { ExtractionResult } from '../../schemas/extraction.js';
import { REPORTS } from '../../ingest/artifacts.js';
import { JsonlArtifact } from '../../store/jsonl.js';
import type { Run } from '../../store/run.js';
import { UserError } from '../../util/errors.js';
import { hashValue } from '../../util/hash.js';
import { GOLD } from './artifacts.js';
import {
  decideGold,
  toTrainingKeyInfo,
  TargetKeyInfoSchema,
  type TargetKeyInfo,
  type ReviewDecision,
  type ReviewStatus,
  type UsableGold,
} from './usable.js';

/**
 * Gold review: one JSONL file, `<run>/gold/review.jsonl`, read and written by
 * the CLI (`cxrvqa gold ...`) and the Ink app through these functions. The last
 * line per study wins, so history is kept. An acceptance is tied to the gold
 * output it accepted (`gold_hash`): if the gold step re-extracts that report,
 * the acceptance no longer applies and the record is pending again.
 * Corrections and rejections are about the report and stay.
 */

export const GOLD_REVIEW_ARTIFACT = 'gold-review';

export const ReviewStatusSchema = z.enum(['pending', 'accepted', 'corrected', 'rejected']);

export const GoldReviewSchema = z.object({
  study_id: z.string(),
  status: ReviewStatusSchema,
  keyinfo: TargetKeyInfoSchema.nullable().default(null),
  note: z.string().optional(),
  gold_hash: z.string().nullable().default(null),
  at: z.string(),
});
export type GoldReview = z.infer<typeof GoldReviewSchema>;

export function reviewFile(runDir: string): string {
  return path.join(runDir, 'gold', 'review.jsonl');
}

export function goldHash(rec: ExtractionResult): string {
  return hashValue({ status: rec.status, keyinfo: rec.keyinfo });
}

export async function readReviews(runDir: string): Promise<Map<string, GoldReview>> {
  return new JsonlArtifact<GoldReview>(reviewFile(runDir), GoldReviewSchema).readMap();
}

export async function readGold(run: Run): Promise<Map<string, ExtractionResult>> {
  return run.open(GOLD).readMap();
}

/** The review that applies to the current gold record (an acceptance of older output does not). */
export function currentDecision(rec: ExtractionResult, review: GoldReview | undefined): ReviewDecision | undefined {
  if (!review) return undefined;
  if (review.status === 'accepted' && review.gold_hash !== goldHash(rec)) return { status: 'pending', keyinfo: null };
  return { status: review.status, keyinfo: review.keyinfo };
}

export interface GoldRow {
  study_id: string;
  goldStatus: ExtractionResult['status'];
  review: ReviewStatus;
  decision: UsableGold;
  note?: string;
}

/** Every gold record with its review and whether it will be exported (in gold file order). */
export async function listGold(run: Run, requireReview = false): Promise<GoldRow[]> {
  const gold = await readGold(run);
  const reviews = await readReviews(run.dir);
  return [...gold.values()].map((rec) => {
    const r = reviews.get(rec.study_id);
    const decision = decideGold(rec, currentDecision(rec, r), requireReview);
    return { study_id: rec.study_id, goldStatus: rec.status, review: decision.review, decision, note: r?.note };
  });
}

export interface GoldItem {
  gold: ExtractionResult;
  review: GoldReview | null;
  decision: UsableGold;
  /** The selected report text the model saw (null when the report is no longer ingested). */
  text: string | null;
}

/** One record with everything a reviewer needs (the app's review screen, `cxrvqa gold show`). */
export async function goldItem(run: Run, studyId: string, requireReview = false): Promise<GoldItem | null> {
  const gold = (await readGold(run)).get(studyId);
  if (!gold) return null;
  const review = (await readReviews(run.dir)).get(studyId) ?? null;
  let text: string | null = null;
  for await (const r of run.open(REPORTS).lines()) if (r.study_id === studyId) text = r.selected;
  return { gold, review, decision: decideGold(gold, currentDecision(gold, review ?? undefined), requireReview), text };
}

export interface ReviewChange {
  status: ReviewStatus;
  keyinfo?: unknown;
  note?: string;
}

/**
 * Record a review decision. A correction must be valid strict KeyInfo; a bad
 * one is refused with the reason and nothing is written.
 */
export async function setReview(run: Run, studyId: string, change: ReviewChange): Promise<GoldReview> {
  const gold = await readGold(run);
  const rec = gold.get(studyId);
  if (!rec) {
    throw new UserError(
      `Study ${studyId} is not in the gold set (${gold.size} records).`,
      'List the gold set with `cxrvqa gold list`.',
    );
  }
  let keyinfo: TargetKeyInfo | null = null;
  if (change.status === 'corrected') {
    const checked = toTrainingKeyInfo(change.keyinfo);
    if (!checked.ok) {
      throw new UserError(
        `The corrected KeyInfo for ${studyId} is refused: ${checked.reason}.`,
        'Expected {"opacity_vs_clear":{"opacity":{...}},"entity":{"name":{"location":..,"level":..,"type":..}},"uncertain_entity":["name"],"no_entity":["name"]}; nothing was saved.',
      );
    }
    keyinfo = checked.keyinfo;
  }
  const entry: GoldReview = {
    study_id: studyId,
    status: change.status,
    keyinfo,
    ...(change.note ? { note: change.note } : {}),
    gold_hash: goldHash(rec),
    at: new Date().toISOString(),
  };
  const file = new JsonlArtifact<GoldReview>(reviewFile(run.dir), GoldReviewSchema);
  file.append(entry);
  file.close();
  // Reviews change the fine-tuning data: bump a version the finetune step reads, so it turns stale.
  await run.update((s) => {
    const prev = s.artifacts[GOLD_REVIEW_ARTIFACT];
    s.artifacts[GOLD_REVIEW_ARTIFACT] = {
      version: (prev?.version ?? 0) + 1,
      count: (prev?.count ?? 0) + 1,
      updatedAt: entry.at,
    };
  });
  return entry;
}

/** Review counts for summaries and the app's header. */
export function reviewCounts(rows: readonly GoldRow[]): Record<ReviewStatus | 'usable' | 'skipped', number> {
  const c = { pending: 0, accepted: 0, corrected: 0, rejected: 0, usable: 0, skipped: 0 };
  for (const r of rows) {
    c[r.review]++;
    if (r.decision.usable) c.usable++;
    else c.skipped++;
  }
  return c;
}
