import { useInput, useStdin, type Key } from 'ink';
import React, { createContext, useCallback, useContext, useLayoutEffect, useMemo, useRef } from 'react';

type Handler = (input: string, key: Key) => void;
interface Entry {
  fn: Handler;
  active: () => boolean;
}

/**
 * One stdin subscription for the whole app. ink's useInput subscribes in a
 * passive effect, so a key arriving right after a screen change (tmux
 * send-keys, pasted keys, a fast typist over SSH) could reach nobody; here
 * screens register in a layout effect, which runs inside the commit.
 */
class KeyHub {
  readonly entries = new Set<Entry>();
  dispatch(input: string, key: Key): void {
    for (const e of [...this.entries]) if (e.active()) e.fn(input, key);
  }
}

const HubCtx = createContext<KeyHub | null>(null);

export function KeyHubProvider({ onKey, children }: { onKey: Handler; children: React.ReactNode }) {
  const hub = useMemo(() => new KeyHub(), []);
  const { isRawModeSupported } = useStdin();
  const onKeyRef = useRef(onKey);
  onKeyRef.current = onKey;
  const listener = useCallback(
    (input: string, key: Key) => {
      onKeyRef.current(input, key);
      hub.dispatch(input, key);
    },
    [hub],
  );
  useInput(listener, { isActive: isRawModeSupported });
  return <HubCtx.Provider value={hub}>{children}</HubCtx.Provider>;
}

/** Like useInput (always guarded by isActive), but never misses a key after a screen change. */
export function useKeys(handler: Handler, opts: { isActive: boolean }): void {
  const hub = useContext(HubCtx);
  const ref = useRef({ handler, isActive: opts.isActive });
  ref.current = { handler, isActive: opts.isActive };
  useLayoutEffect(() => {
    if (!hub) return;
    const entry: Entry = { fn: (i, k) => ref.current.handler(i, k), active: () => ref.current.isActive };
    hub.entries.add(entry);
    return () => {
      hub.entries.delete(entry);
    };
  }, [hub]);
  // Outside the app (the wizard is its own root) fall back to ink's own subscription.
  const stable = useCallback((i: string, k: Key) => ref.current.handler(i, k), []);
  useInput(stable, { isActive: !hub && opts.isActive });
}
