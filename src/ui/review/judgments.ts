import type { Run } from '../../pipeline/store/run.js';

export type Verdict = 'correct' | 'incorrect';

/** One study's judgments (artifact `reviews`, last line per study wins): compact, keyed by finding. */
export interface JudgmentRecord {
  study_id: string;
  judgments: Record<string, Verdict>;
  note: string;
  at: string;
}

export class JudgmentStore {
  private constructor(
    private readonly run: Run,
    private readonly map: Map<string, JudgmentRecord>,
  ) {}

  static async load(run: Run): Promise<JudgmentStore> {
    const map = await run.artifact<JudgmentRecord>('reviews').readMap();
    return new JudgmentStore(run, map);
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
    const art = this.run.artifact<JudgmentRecord>('reviews');
    art.append(next);
    art.close();
    this.map.set(rec.study_id, next);
    return next;
  }
}
