import { useCallback, useReducer, useRef } from 'react';

type Update<T> = T | ((prev: T) => T);

/**
 * State whose newest value is readable at once through `get()`. Key handlers
 * use it: two keys can arrive before React commits the first one's update
 * (↓ then x must judge the row ↓ moved to, not the old one).
 */
export function useLiveState<T>(initial: T | (() => T)): [T, (u: Update<T>) => void, () => T] {
  const ref = useRef<{ v: T } | null>(null);
  if (ref.current === null) ref.current = { v: typeof initial === 'function' ? (initial as () => T)() : initial };
  const [, bump] = useReducer((n: number) => n + 1, 0);
  const set = useCallback((u: Update<T>) => {
    const box = ref.current!;
    box.v = typeof u === 'function' ? (u as (p: T) => T)(box.v) : u;
    bump();
  }, []);
  const get = useCallback(() => ref.current!.v, []);
  return [ref.current.v, set, get];
}
