import { useStdin, type Key } from 'ink';
import type { EventEmitter } from 'node:events';
import React, { createContext, useContext, useEffect, useLayoutEffect, useRef } from 'react';
import { KeyTokenizer, type KeyPress } from './keyTokens.js';

type Handler = (input: string, key: Key) => void;
interface Entry {
  fn: Handler;
  active: () => boolean;
  /** A text field: typed characters change only its text, never which handlers are active. */
  text: () => boolean;
}

/** A key that a text field takes as text. */
const isText = (k: KeyPress) =>
  k.input.length > 0 && !k.key.ctrl && !k.key.meta && !k.key.return && !k.key.tab && !k.key.escape;

/** One turn of the event loop: lets React commit what the previous key changed. */
const commit = () => new Promise<void>((resolve) => setImmediate(resolve));
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** How long a key that renders nothing (an unbound key) may hold the keys behind it. */
const SETTLE_LIMIT_MS = 150;

/**
 * One stdin subscription per ink root, shared by every key handler in it.
 * ink's useInput subscribes in a passive effect, so a key arriving right after
 * a screen change (tmux send-keys, pasted keys, a fast typist over SSH) could
 * reach nobody; here handlers register in a layout effect, inside the commit.
 * A read holding several keys is split into keys and handed on one at a time,
 * each after React committed the previous one: "Enter then text" in one read
 * reaches the field Enter opened, with handlers and `isActive` flags current.
 */
class KeyHub {
  readonly entries = new Set<Entry>();
  /** The app's own keys (Ctrl-C, ?, q), before any screen's. */
  private global: Handler | null = null;
  private readonly tokens = new KeyTokenizer();
  private readonly queue: KeyPress[] = [];
  private pumping = false;
  private users = 0;
  /** Commits of components holding key handlers (their layout effects count them). */
  private commits = 0;
  noteCommit(): void {
    this.commits++;
  }

  constructor(private readonly events: EventEmitter) {}

  private readonly onInput = (chunk: string) => {
    this.queue.push(...this.tokens.push(chunk));
    void this.pump();
  };

  /** Subscribed while anything listens. */
  retain(): () => void {
    if (this.users++ === 0) this.events.on('input', this.onInput);
    return () => {
      if (--this.users === 0) this.events.off('input', this.onInput);
    };
  }

  /** Install the app's own key handler and subscribe; the returned function undoes both. */
  provide(global: Handler): () => void {
    this.global = global;
    const release = this.retain();
    return () => {
      this.global = null;
      release();
    };
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length) {
        const k = this.queue.shift()!;
        const before = this.commits;
        this.global?.(k.input, k.key);
        let typed = false;
        for (const e of [...this.entries])
          if (e.active()) {
            e.fn(k.input, k.key);
            typed ||= e.text() && isText(k);
          }
        // Text typed into a field changes nothing the next character depends on: a long burst
        // of it costs one render, not one per character. Any other key waits for its render.
        if (this.queue.length && !(typed && isText(this.queue[0]!))) await this.settle(before);
      }
    } finally {
      this.pumping = false;
    }
  }

  /**
   * Waits until what the key changed is on screen with its handlers registered. One event-loop
   * turn is usually enough, but on a loaded machine React yields a render across several turns,
   * and a key sent on after one turn reached the screen the key before it left (a Backspace meant
   * for the field Enter opened went to the list). A key that changes nothing renders nothing:
   * after a short wait the next key goes on.
   */
  private async settle(before: number): Promise<void> {
    const started = Date.now();
    await commit();
    for (let turn = 0; this.commits === before && Date.now() - started < SETTLE_LIMIT_MS; turn++)
      await (turn < 20 ? commit() : pause(2));
  }
}

const hubs = new WeakMap<EventEmitter, KeyHub>();
function useHub(): KeyHub {
  const { internal_eventEmitter: events } = useStdin();
  let hub = hubs.get(events);
  if (!hub) hubs.set(events, (hub = new KeyHub(events)));
  return hub;
}

/** Puts stdin in raw mode while `on` (ink counts the requests). */
function useRawMode(on: boolean): void {
  const { setRawMode } = useStdin();
  useEffect(() => {
    if (!on) return;
    setRawMode(true);
    return () => setRawMode(false);
  }, [on, setRawMode]);
}

const InApp = createContext(false);

export function KeyHubProvider({ onKey, children }: { onKey: Handler; children: React.ReactNode }) {
  const hub = useHub();
  const { isRawModeSupported } = useStdin();
  const onKeyRef = useRef(onKey);
  onKeyRef.current = onKey;
  useRawMode(isRawModeSupported);
  useLayoutEffect(() => {
    if (!isRawModeSupported) return;
    return hub.provide((i, k) => onKeyRef.current(i, k));
  }, [hub, isRawModeSupported]);
  return <InApp.Provider value={true}>{children}</InApp.Provider>;
}

/** Like ink's useInput (always guarded by isActive), but one call per key of a burst and never a missed key after a screen change. */
export function useKeys(handler: Handler, opts: { isActive: boolean; text?: boolean }): void {
  const hub = useHub();
  const inApp = useContext(InApp);
  const ref = useRef({ handler, isActive: opts.isActive, text: Boolean(opts.text) });
  ref.current = { handler, isActive: opts.isActive, text: Boolean(opts.text) };
  // Every commit of a component with key handlers: the hub waits for one after a key (settle).
  useLayoutEffect(() => {
    hub.noteCommit();
  });
  useLayoutEffect(() => {
    const entry: Entry = {
      fn: (i, k) => ref.current.handler(i, k),
      active: () => ref.current.isActive,
      text: () => ref.current.text,
    };
    hub.entries.add(entry);
    // Inside the app the provider holds the subscription; a root without one (the wizard) holds it here.
    const release = inApp ? null : hub.retain();
    return () => {
      hub.entries.delete(entry);
      release?.();
    };
  }, [hub, inApp]);
  useRawMode(!inApp && opts.isActive);
}
