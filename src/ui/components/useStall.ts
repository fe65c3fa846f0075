import { useEffect, useState } from 'react';
import { useUiActions, useUiState } from '../state/context.js';

/**
 * Re-renders every second while a step runs in this session (clocks move between
 * events), and says how long the step has gone without a sign of life once that
 * passes the stall limit (null: not running, stopping, or not stalled).
 */
export function useStall(): { ticking: boolean; stalledFor: number | null } {
  const s = useUiState();
  const { controller } = useUiActions();
  const a = s.activity;
  const ticking = Boolean(a && !a.ended);
  const [, setTick] = useState(0);
  useEffect(() => {
    if (!ticking) return;
    const t = setInterval(() => setTick((x) => x + 1), 1000);
    return () => clearInterval(t);
  }, [ticking]);
  const quietFor = a && ticking ? Math.floor((controller.now() - a.lastSignAt) / 1000) : 0;
  return { ticking, stalledFor: ticking && !s.stopping && quietFor >= controller.stallSeconds ? quietFor : null };
}
