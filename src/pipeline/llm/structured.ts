import { z } from 'zod';
import type { ResponseSchema } from './types.js';

/**
 * JSON schema for `response_format: json_schema`, from a zod schema. Sent with
 * strict: false because KeyInfo maps free-form names to attributes (a record),
 * which strict mode cannot express; vLLM still constrains decoding with it.
 * Keywords Azure rejects (min/max from .int(), formats, lengths) are removed.
 */
export function jsonSchemaFromZod(name: string, schema: z.ZodType): ResponseSchema {
  const json = z.toJSONSchema(schema, { target: 'draft-7', io: 'output' }) as Record<string, unknown>;
  delete json.$schema;
  return {
    name: name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64),
    schema: stripUnsupported(json) as Record<string, unknown>,
  };
}

const UNSUPPORTED = new Set([
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'minItems',
  'maxItems',
  'uniqueItems',
  'propertyNames',
]);

function stripUnsupported(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripUnsupported);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v)) if (!UNSUPPORTED.has(k)) out[k] = stripUnsupported(val);
    return out;
  }
  return v;
}

const Attr = z.string().nullable();
const Attrs = z.object({ location: Attr, level: Attr, type: Attr });

/** What the extraction prompt asks the model for (docs/method.md §3), as sent to the server. */
export const KeyInfoOutputSchema = z.object({
  opacity_vs_clear: z.object({ opacity: Attrs.optional(), clear: Attrs.optional() }),
  entity: z.record(z.string(), Attrs),
  uncertain_entity: z.array(z.string()),
  no_entity: z.array(z.string()),
});

export const KEYINFO_RESPONSE_SCHEMA: ResponseSchema = jsonSchemaFromZod('keyinfo', KeyInfoOutputSchema);
