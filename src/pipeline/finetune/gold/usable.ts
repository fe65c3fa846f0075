import type { z } from 'zod';
import { USABLE_STATUSES } from '../../schemas/extraction.js';
import { KeyInfoOutputSchema } from '../../llm/structured.js';
import type { ExtractionResult } from '../../schemas/extraction.js';

/**
 * Which gold records can become training targets, and the KeyInfo each one
 * trains on. Pure: the review decision is passed in.
 */

/** The form the extraction prompt asks for (and json_schema enforces): the training target. */
export type TargetKeyInfo = z.infer<typeof KeyInfoOutputSchema>;
export const TargetKeyInfoSchema = KeyInfoOutputSchema;

export type CheckedKeyInfo = { ok: true; keyinfo: TargetKeyInfo } | { ok: false; reason: string };

const ATTR_KEYS = ['location', 'level', 'type'] as const;

/** `{location: "x"}` → `{location: "x", level: null, type: null}`; anything else is left for the schema to refuse. */
function fillAttrs(v: unknown): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
  const o = v as Record<string, unknown>;
  if (!Object.keys(o).every((k) => (ATTR_KEYS as readonly string[]).includes(k))) return v;
  return Object.fromEntries(ATTR_KEYS.map((k) => [k, o[k] === undefined ? null : o[k]]));
}

function fillRecord(v: unknown): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, a]) => [k, fillAttrs(a)]));
}

/**
 * A training target must be exactly what the prompt asks for. Gaps the model
 * leaves by habit are filled (missing `opacity_vs_clear` → `{}` as the original
 * did; omitted attributes → null; `uncertain_entity` given as a dict → its
 * names); anything else is reported so a reviewer can correct it.
 */
export function toTrainingKeyInfo(raw: unknown): CheckedKeyInfo {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    return { ok: false, reason: 'KeyInfo is not a JSON object' };
  const rec = raw as Record<string, unknown>;
  if (rec.entity === 'error') return { ok: false, reason: 'entity is "error" (the call failed)' };
  const unc = rec.uncertain_entity;
  const candidate: Record<string, unknown> = {
    opacity_vs_clear: fillRecord(rec.opacity_vs_clear ?? {}),
    entity: fillRecord(rec.entity),
    uncertain_entity: unc && typeof unc === 'object' && !Array.isArray(unc) ? Object.keys(unc) : unc,
    no_entity: rec.no_entity,
  };
  const parsed = TargetKeyInfoSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      reason: `not valid KeyInfo at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
    };
  }
  return { ok: true, keyinfo: parsed.data };
}

/** The exported string, with the keys in the prompt's order. */
export function keyInfoJson(k: TargetKeyInfo): string {
  return JSON.stringify({
    opacity_vs_clear: k.opacity_vs_clear,
    entity: k.entity,
    uncertain_entity: k.uncertain_entity,
    no_entity: k.no_entity,
  });
}

/** Check an exported output string the way a consumer would: parse it, validate it strictly. */
export function validateOutputString(text: string): string | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return `output is not JSON: ${(err as Error).message}`;
  }
  const parsed = TargetKeyInfoSchema.safeParse(value);
  return parsed.success ? null : `output is not valid KeyInfo: ${parsed.error.issues[0]?.message ?? 'invalid'}`;
}

export type ReviewStatus = 'pending' | 'accepted' | 'corrected' | 'rejected';

export interface ReviewDecision {
  status: ReviewStatus;
  keyinfo: TargetKeyInfo | null;
}

export type UsableGold =
  | { study_id: string; usable: true; keyinfo: TargetKeyInfo; source: 'gold' | 'correction'; review: ReviewStatus }
  | { study_id: string; usable: false; reason: string; review: ReviewStatus };

/**
 * Decide one record. A correction wins over the model's output (even over a
 * failed call: the reviewer supplied the answer); a rejection drops the record;
 * pending counts as accepted unless review is required.
 */
export function decideGold(
  rec: ExtractionResult,
  review: ReviewDecision | undefined,
  requireReview: boolean,
): UsableGold {
  const status = review?.status ?? 'pending';
  const id = rec.study_id;
  if (status === 'rejected') return { study_id: id, usable: false, reason: 'rejected in review', review: status };
  if (status === 'corrected' && review?.keyinfo)
    return { study_id: id, usable: true, keyinfo: review.keyinfo, source: 'correction', review: status };
  if (status === 'pending' && requireReview)
    return { study_id: id, usable: false, reason: 'not reviewed (review is required)', review: status };
  if (!USABLE_STATUSES.has(rec.status)) {
    return {
      study_id: id,
      usable: false,
      reason: `${rec.status}${rec.reason ? `: ${rec.reason}` : ''}`,
      review: status,
    };
  }
  const checked = toTrainingKeyInfo(rec.keyinfo);
  if (!checked.ok) return { study_id: id, usable: false, reason: checked.reason, review: status };
  return { study_id: id, usable: true, keyinfo: checked.keyinfo, source: 'gold', review: status };
}
