import { z } from 'zod';
import type { RunState } from '../schemas/state.js';
import type { ReadIssue } from '../store/jsonl.js';
import type { Run } from '../store/run.js';
import { defineStateSection, readSection, writeSection } from '../store/sections.js';
import { UserError } from '../util/errors.js';

export const VerdictSchema = z.enum(['correct', 'incorrect']);
export type Verdict = z.infer<typeof VerdictSchema>;

/** One study's judgments (artifact `reviews`, last line per study wins): compact, keyed by finding (`polarity:name`). */
export const JudgmentRecordSchema = z.object({
  study_id: z.string(),
  judgments: z.record(z.string(), VerdictSchema),
  note: z.string(),
  at: z.string(),
});
export type JudgmentRecord = z.infer<typeof JudgmentRecordSchema>;

/** The review in progress, kept in run state (`reviews.session`) so it resumes where it stopped. */
export const ReviewSessionSchema = z
  .object({
    seed: z.number(),
    /** Sample size asked for; sessions saved before it was kept default to the ids drawn. */
    n: z.number().int().optional(),
    // A stray non-string id is dropped, not a reason to lose the session.
    ids: z.array(z.unknown()).transform((ids) => ids.filter((x): x is string => typeof x === 'string')),
    cursor: z.number().int(),
    startedAt: z.string().catch('').default(''),
  })
  .transform((s) => ({ ...s, n: s.n ?? s.ids.length }));
export type ReviewSession = z.output<typeof ReviewSessionSchema>;

/** The session's place in run state, read and written only through its schema. */
export const REVIEW_SESSION = defineStateSection<ReviewSession>({
  slot: 'reviews',
  key: 'session',
  schema: ReviewSessionSchema as z.ZodType<ReviewSession>,
});

export const REVIEWS_ARTIFACT = 'reviews';

/** The saved review session, or null when there is none or it does not parse (a new review starts). */
export function readReviewSession(run: Pick<Run, 'state'>): ReviewSession | null {
  return readSection(run.state, REVIEW_SESSION);
}

/** The state change that saves `session`; the caller applies it through its serialised writes. */
export function saveReviewSession(session: ReviewSession): (state: RunState) => void {
  return (state) => writeSection(state, REVIEW_SESSION, session);
}

/**
 * Reviewers' verdicts on findings. Loading fails loudly on a line that is not
 * a judgment record: silently dropping it would lose someone's review work.
 */
export class ReviewStore {
  private constructor(
    private readonly run: Run,
    private readonly map: Map<string, JudgmentRecord>,
  ) {}

  static async load(run: Run): Promise<ReviewStore> {
    const art = run.artifact<JudgmentRecord>(REVIEWS_ARTIFACT, JudgmentRecordSchema);
    let bad: ReadIssue | null = null;
    // A torn last line is a crash mid-write (only that judgment is lost); anything else is a damaged file.
    const map = await art.readMap({ onIssue: (issue) => void (issue.reason !== 'torn_last_line' && (bad ??= issue)) });
    if (bad) {
      const issue: ReadIssue = bad;
      throw new UserError(
        `${art.file} has a line that is not a review record (${issue.detail}).`,
        'Fix or remove that line; the other judgments are kept.',
      );
    }
    return new ReviewStore(run, map);
  }

  get(id: string): JudgmentRecord | undefined {
    return this.map.get(id);
  }

  all(): ReadonlyMap<string, JudgmentRecord> {
    return this.map;
  }

  /** Set or clear (null) one finding's verdict; written at once so nothing is lost on a crash. */
  judge(id: string, key: string, verdict: Verdict | null): JudgmentRecord {
    const prev = this.map.get(id) ?? { study_id: id, judgments: {}, note: '', at: '' };
    const judgments = { ...prev.judgments };
    if (verdict) judgments[key] = verdict;
    else delete judgments[key];
    return this.write({ ...prev, judgments });
  }

  note(id: string, note: string): JudgmentRecord {
    const prev = this.map.get(id) ?? { study_id: id, judgments: {}, note: '', at: '' };
    return this.write({ ...prev, note });
  }

  private write(rec: JudgmentRecord): JudgmentRecord {
    if (this.run.readOnly) throw new Error('this run is open read-only');
    const next = { ...rec, at: new Date().toISOString() };
    const art = this.run.artifact<JudgmentRecord>(REVIEWS_ARTIFACT);
    art.append(next);
    art.close();
    this.map.set(rec.study_id, next);
    return next;
  }
}
