import { KEYINFO_KEYS, RawKeyInfoSchema } from '../schemas/keyinfo.js';
import type { ExtractionStatus } from '../schemas/extraction.js';
import { extractJsonObject } from '../llm/json.js';

/**
 * From model text to a KeyInfo record with an explicit status. A parse failure
 * keeps the raw text and a reason; it is never turned into "no findings".
 * Coercion here is only about the top level (key names, wrappers, missing
 * keys); the deeper shape repair (lists as attributes, nested entities, …) is
 * the standardization step's job and works on what is kept here.
 */

export interface ParsedKeyInfo {
  status: Extract<ExtractionStatus, 'ok' | 'repaired' | 'parse_error' | 'truncated'>;
  /** Null unless the status is `ok` or `repaired`: a cut-off reply never becomes data. */
  keyinfo: Record<string, unknown> | null;
  reason?: string;
  /** KeyInfo keys the reply did not contain at all (filled empty in `keyinfo`). */
  missing?: string[];
}

export interface ParseOptions {
  /** The reply's `finish_reason`: `length` means the model was stopped by max_tokens. */
  finishReason?: string;
  /** Same as `finishReason: 'length'` (kept for callers that only know that much). */
  truncated?: boolean;
}

const CUT_AT_MAX_TOKENS = 'the reply was cut off at max_tokens (finish_reason length)';
const CUT_UNCLOSED = 'the reply was cut off: its JSON object never closes';

const KEY_ALIASES: Record<string, (typeof KEYINFO_KEYS)[number]> = {
  opacity_vs_clear: 'opacity_vs_clear',
  clear_vs_opacity: 'opacity_vs_clear',
  opacity_clear: 'opacity_vs_clear',
  entity: 'entity',
  entities: 'entity',
  abnormality: 'entity',
  abnormalities: 'entity',
  uncertain_entity: 'uncertain_entity',
  uncertain_entities: 'uncertain_entity',
  uncertain: 'uncertain_entity',
  no_entity: 'no_entity',
  no_entities: 'no_entity',
  negative_entity: 'no_entity',
  negative_entities: 'no_entity',
};

const WRAPPERS = ['keyinfo', 'key_info', 'result', 'output', 'response', 'answer', 'data', 'json'];

function normKey(k: string): string {
  return k
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function emptyFor(k: (typeof KEYINFO_KEYS)[number]): unknown {
  return k === 'no_entity' || k === 'uncertain_entity' ? [] : {};
}

/**
 * Whatever parses out of a cut-off reply is a prefix of the answer: the findings after the
 * cut are gone, so it is reported as `truncated` (text kept by the caller), never as data.
 */
export function parseKeyInfo(text: string, opts: ParseOptions = {}): ParsedKeyInfo {
  const atMaxTokens = opts.finishReason === 'length' || opts.truncated === true;
  const got = extractJsonObject(text, { truncated: atMaxTokens });
  if (atMaxTokens)
    return {
      status: 'truncated',
      keyinfo: null,
      reason: got.ok ? CUT_AT_MAX_TOKENS : `${CUT_AT_MAX_TOKENS}; ${got.reason}`,
    };
  if (!got.ok) return { status: 'parse_error', keyinfo: null, reason: got.reason };
  if (got.cutOff) return { status: 'truncated', keyinfo: null, reason: CUT_UNCLOSED };
  const repairs = [...got.repairs];
  let obj = got.value as Record<string, unknown>;

  const hasKnown = (o: Record<string, unknown>) => Object.keys(o).some((k) => normKey(k) in KEY_ALIASES);
  if (!hasKnown(obj)) {
    const wrapperKey = Object.keys(obj).find(
      (k) => WRAPPERS.includes(normKey(k)) && isObject(obj[k]) && hasKnown(obj[k] as Record<string, unknown>),
    );
    if (wrapperKey === undefined) {
      const keys = Object.keys(obj).slice(0, 6).join(', ');
      return {
        status: 'parse_error',
        keyinfo: null,
        reason: `JSON has none of the KeyInfo keys (got: ${keys || 'an empty object'})`,
      };
    }
    obj = obj[wrapperKey] as Record<string, unknown>;
    repairs.push(`unwrapped "${wrapperKey}"`);
  }

  const out: Record<string, unknown> = {};
  const renamed: string[] = [];
  for (const [k, v] of Object.entries(obj)) {
    const target = KEY_ALIASES[normKey(k)];
    if (!target) {
      out[k] = v; // unknown keys are kept for inspection, the standardizer ignores them
      continue;
    }
    if (target !== k) renamed.push(`${k}→${target}`);
    if (target in out && isObject(out[target]) && isObject(v)) out[target] = { ...(out[target] as object), ...v };
    else out[target] = v;
  }
  if (renamed.length) repairs.push(`renamed keys (${renamed.join(', ')})`);

  const filled: string[] = [];
  const missing: string[] = [];
  for (const k of KEYINFO_KEYS) {
    const v = out[k];
    if (
      v === undefined ||
      v === null ||
      v === '' ||
      (typeof v === 'string' && /^(none|n\/a|null|\[\]|\{\})$/i.test(v.trim()))
    ) {
      if (v !== undefined) filled.push(`${k} was ${JSON.stringify(v)}`);
      else {
        filled.push(`${k} missing`);
        missing.push(k);
      }
      out[k] = emptyFor(k);
    } else if (k === 'no_entity' && typeof v === 'string') {
      out[k] = v
        .split(/[,;]\s*/)
        .map((s) => s.trim())
        .filter(Boolean);
      repairs.push('split no_entity string into a list');
    }
  }
  if (filled.length) repairs.push(`filled empty: ${filled.join('; ')}`);

  const checked = RawKeyInfoSchema.safeParse(out);
  if (!checked.success)
    return {
      status: 'parse_error',
      keyinfo: null,
      reason: `not a KeyInfo object: ${checked.error.issues[0]?.message}`,
    };

  const found = { keyinfo: checked.data as Record<string, unknown>, ...(missing.length ? { missing } : {}) };
  if (got.direct && repairs.length === 0) return { status: 'ok', ...found };
  if (got.direct && repairs.length > 0 && repairs.every((r) => r.startsWith('filled empty'))) {
    // Omitting an empty key is normal model behaviour, not damage.
    return { status: 'ok', ...found };
  }
  return { status: 'repaired', ...found, reason: repairs.join('; ') };
}
