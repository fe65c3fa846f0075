import { useInput, type Key } from 'ink';
import { useCallback, useRef } from 'react';

/**
 * useInput with a stable listener that always calls the newest handler. ink
 * re-subscribes when the handler identity changes, but only once React flushes
 * passive effects; a key arriving before that would see stale state.
 */
export function useKeys(handler: (input: string, key: Key) => void, opts: { isActive: boolean }): void {
  const ref = useRef(handler);
  ref.current = handler;
  const stable = useCallback((input: string, key: Key) => ref.current(input, key), []);
  useInput(stable, opts);
}
