import { z } from 'zod';

/**
 * KeyInfo: the structured record of a report (docs/method.md §3).
 * Two forms: the raw form a model returns (anything JSON, described loosely so
 * it can be validated leniently), and the strict standardized form every later
 * step relies on.
 */

export const AttrsSchema = z.object({
  location: z.string().nullable(),
  level: z.string().nullable(),
  type: z.string().nullable(),
});
export type Attrs = z.infer<typeof AttrsSchema>;

export const EMPTY_ATTRS: Attrs = Object.freeze({ location: null, level: null, type: null }) as Attrs;

export const StrictKeyInfoSchema = z.object({
  opacity_vs_clear: z.partialRecord(z.enum(['opacity', 'clear']), AttrsSchema),
  entity: z.record(z.string(), AttrsSchema),
  uncertain_entity: z.record(z.string(), AttrsSchema),
  no_entity: z.array(z.string()),
});
export type StrictKeyInfo = z.infer<typeof StrictKeyInfoSchema>;

export function emptyKeyInfo(): StrictKeyInfo {
  return { opacity_vs_clear: {}, entity: {}, uncertain_entity: {}, no_entity: [] };
}

/** The shape the prompt asks for; models drift from it (lists, strings, nesting), so it is lenient. */
const LooseAttrs = z
  .object({
    location: z.unknown().optional(),
    level: z.unknown().optional(),
    type: z.unknown().optional(),
  })
  .catchall(z.unknown());

export const RawKeyInfoSchema = z
  .object({
    opacity_vs_clear: z.unknown().optional(),
    entity: z.union([z.record(z.string(), z.union([LooseAttrs, z.unknown()])), z.unknown()]).optional(),
    uncertain_entity: z.unknown().optional(),
    no_entity: z.unknown().optional(),
  })
  .catchall(z.unknown());
export type RawKeyInfo = z.infer<typeof RawKeyInfoSchema>;

export const KEYINFO_KEYS = ['opacity_vs_clear', 'entity', 'uncertain_entity', 'no_entity'] as const;

/**
 * JSON Schema of the strict KeyInfo form (draft 2020-12), generated from the zod
 * schema so validation, types and the schema given to models or tools never drift.
 */
export function keyInfoJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(StrictKeyInfoSchema) as Record<string, unknown>;
}
