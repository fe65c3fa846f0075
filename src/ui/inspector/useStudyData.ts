import { useEffect, useState } from 'react';
import type { JudgmentRecord, ReviewStore, StudyIndex, Verdict } from '../../pipeline/index.js';
import { useUiActions } from '../state/context.js';

/** The study index and judgment store, loaded once per screen mount. */
export function useStudyData(): {
  index: StudyIndex | null;
  store: ReviewStore | null;
  error: string | null;
  reload: () => void;
} {
  const { controller } = useUiActions();
  const [index, setIndex] = useState<StudyIndex | null>(null);
  const [store, setStore] = useState<ReviewStore | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let live = true;
    Promise.all([controller.studyIndex(), controller.judgments()])
      .then(([i, s]) => {
        if (!live) return;
        setIndex(i);
        setStore(s);
      })
      .catch((err: unknown) => live && setError((err as Error).message));
    return () => {
      live = false;
    };
  }, [controller, version]);
  return { index, store, error, reload: () => setVersion((v) => v + 1) };
}

/** Judge/note handlers that write through the store and re-render with the new record. */
export function useJudging(store: ReviewStore | null, studyId: string | null) {
  const { dispatch } = useUiActions();
  const [, setTick] = useState(0);
  const record: JudgmentRecord | undefined = store && studyId ? store.get(studyId) : undefined;
  const guard = (fn: () => void) => {
    try {
      fn();
      setTick((t) => t + 1);
    } catch (err) {
      dispatch({ type: 'message', level: 'error', text: (err as Error).message });
    }
  };
  return {
    record,
    onJudge: (key: string, verdict: Verdict | null) =>
      guard(() => store && studyId && store.judge(studyId, key, verdict)),
    onNote: (note: string) => guard(() => store && studyId && store.note(studyId, note)),
  };
}
