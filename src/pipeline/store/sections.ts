import type { z } from 'zod';
import type { RunState } from '../schemas/state.js';

/**
 * State sections owned by layers above the store (the app's position, review
 * sessions): the store keeps them as opaque records, the owning layer declares
 * a zod schema here and reads and writes only through it, so nothing outside
 * validates by hand or casts.
 */
export interface StateSection<T> {
  /** The run-state slot the section lives in. */
  readonly slot: 'ui' | 'reviews' | 'batches';
  /** A key inside the slot, or the whole slot when omitted. */
  readonly key?: string;
  /** Each field should `.catch()` a fallback: a malformed value must not stop the app opening. */
  readonly schema: z.ZodType<T>;
}

export function defineStateSection<T>(section: StateSection<T>): StateSection<T> {
  return section;
}

/** The section's value, parsed; null when it is absent or does not parse. */
export function readSection<T>(
  state: Readonly<Pick<RunState, 'ui' | 'reviews' | 'batches'>>,
  section: StateSection<T>,
): T | null {
  const slot = state[section.slot];
  const raw = section.key === undefined ? slot : slot[section.key];
  if (raw === undefined) return null;
  const parsed = section.schema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

/** Store a value, validated by the section's schema (a bad value is a bug: it throws). */
export function writeSection<T>(
  state: Pick<RunState, 'ui' | 'reviews' | 'batches'>,
  section: StateSection<T>,
  value: T,
): void {
  const parsed = section.schema.parse(value) as Record<string, unknown>;
  if (section.key === undefined) state[section.slot] = { ...state[section.slot], ...parsed };
  else state[section.slot] = { ...state[section.slot], [section.key]: parsed };
}
