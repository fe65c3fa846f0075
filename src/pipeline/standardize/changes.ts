import { z } from 'zod';

/** What standardization did to one record, so the app can show a before/after diff. */
export const ChangeKindSchema = z.enum([
  'shape_repair',
  'renamed',
  'merged',
  'moved_attribute',
  'split',
  'dropped_term',
  'special',
]);
export type ChangeKind = z.infer<typeof ChangeKindSchema>;

export const ChangeSchema = z.object({
  kind: ChangeKindSchema,
  /** Dotted path, e.g. `entity.left effusion` or `entity.effusion.location`. */
  path: z.string(),
  before: z.unknown(),
  after: z.unknown(),
  /** Which §9 rule made the change. */
  rule: z.string(),
});
export type Change = z.infer<typeof ChangeSchema>;

export const ChangeLogRowSchema = z.object({
  study_id: z.string(),
  cycle: z.number(),
  changes: z.array(ChangeSchema),
});
export type ChangeLogRow = z.infer<typeof ChangeLogRowSchema>;

/** Collects changes; `null` sink skips the work when nobody wants the log (the counting pass). */
export class ChangeLog {
  readonly changes: Change[] = [];
  constructor(readonly enabled = true) {}

  add(kind: ChangeKind, path: string, before: unknown, after: unknown, rule: string): void {
    if (this.enabled) this.changes.push({ kind, path, before, after, rule });
  }
}

/**
 * Keep raw snippets in the log bounded: one pathological record must not bloat
 * the artifact. Values that serialize within `max` characters are kept as they
 * are; larger ones become a truncated JSON string. The walk stops at the budget,
 * so even a huge or deeply nested value costs O(max).
 */
export function preview(value: unknown, max = 2000): unknown {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string') return value.length > max ? `${value.slice(0, max)}…` : value;
  const out = { s: '', full: true };
  write(value, out, max, 0);
  return out.full ? value : `${out.s.slice(0, max)}…`;
}

function write(v: unknown, out: { s: string; full: boolean }, max: number, depth: number): void {
  if (out.s.length > max || depth > 64) {
    out.full = false;
    return;
  }
  if (v === null || typeof v !== 'object') {
    out.s +=
      typeof v === 'string'
        ? JSON.stringify(v.length > max ? v.slice(0, max) : v)
        : v === undefined
          ? 'null'
          : String(v);
    if (typeof v === 'string' && v.length > max) out.full = false;
    return;
  }
  const isArr = Array.isArray(v);
  out.s += isArr ? '[' : '{';
  let first = true;
  const keys = isArr ? null : Object.keys(v);
  const n = isArr ? (v as unknown[]).length : keys!.length;
  for (let i = 0; i < n; i++) {
    const k = isArr ? String(i) : keys![i]!;
    if (out.s.length > max) {
      out.full = false;
      break;
    }
    if (!first) out.s += ',';
    first = false;
    if (!isArr) out.s += `${JSON.stringify(k)}:`;
    write((v as Record<string, unknown>)[k], out, max, depth + 1);
  }
  out.s += isArr ? ']' : '}';
}
