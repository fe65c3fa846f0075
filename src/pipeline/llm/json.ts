import { jsonrepair } from 'jsonrepair';

/**
 * Getting a JSON object out of model text. First the original tool's cleanup
 * (docs/method.md §4) as a floor, then a real repair (jsonrepair: quotes, commas,
 * comments, fences, Python literals, truncation) over candidate segments.
 */

export type JsonExtraction =
  | {
      ok: true;
      value: unknown;
      direct: boolean;
      repairs: string[];
      /**
       * The object's top level never closes in the text: the repair had to close it, so
       * whatever came after the cut is missing. Such a value must never become data.
       */
      cutOff: boolean;
    }
  | { ok: false; reason: string };

/** Chat-template and reasoning residue that some servers leave in the content. */
function stripResidue(text: string, repairs: string[]): string {
  let t = text;
  if (t.charCodeAt(0) === 0xfeff) {
    t = t.slice(1);
    repairs.push('removed a byte-order mark');
  }
  const inst = t.lastIndexOf('[/INST]');
  if (inst >= 0) {
    t = t.slice(inst + 7);
    repairs.push('dropped the echoed prompt up to [/INST]');
  }
  if (/<think>[\s\S]*?<\/think>/.test(t)) {
    t = t.replace(/<think>[\s\S]*?<\/think>/g, '');
    repairs.push('dropped a <think> block');
  }
  if (/<\|[a-z_]+\|>|<\/s>/.test(t)) {
    t = t.replace(/<\|[a-z_]+\|>|<\/s>/g, '');
    repairs.push('dropped special tokens');
  }
  return t;
}

/** End of the first balanced {...} starting at `start`, or -1 (strings and escapes respected). */
export function balancedEnd(text: string, start: number): number {
  let depth = 0;
  let inStr: string | null = null;
  for (let i = start; i < text.length; i++) {
    const ch = text[i]!;
    if (inStr) {
      if (ch === '\\') i++;
      else if (ch === inStr) inStr = null;
      continue;
    }
    if (ch === '"') inStr = ch;
    else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parse a value that may be a JSON string holding JSON (double-encoded output). */
function unwrapString(v: unknown, repairs: string[]): unknown {
  if (typeof v === 'string' && /^\s*[{[]/.test(v)) {
    try {
      const inner = JSON.parse(v);
      repairs.push('decoded a JSON string holding JSON');
      return inner;
    } catch {
      return v;
    }
  }
  return v;
}

/** Repair notes for JSON whose end was missing and was closed by the repair (the text was cut off). */
export const CLOSED_CUT_OFF = 'closed JSON cut off at max_tokens';
export const CLOSED_UNBALANCED = 'closed unbalanced JSON';

export function extractJsonObject(raw: string, opts: { truncated?: boolean } = {}): JsonExtraction {
  if (raw.trim() === '') return { ok: false, reason: 'empty response' };
  // Direct parse: the well-behaved case.
  try {
    const v = JSON.parse(raw);
    const u = unwrapString(v, []);
    if (isObject(u))
      return {
        ok: true,
        value: u,
        direct: u === v,
        repairs: u === v ? [] : ['decoded a JSON string holding JSON'],
        cutOff: false,
      };
    if (Array.isArray(u) && u.length === 1 && isObject(u[0]))
      return { ok: true, value: u[0], direct: false, repairs: ['unwrapped a one-element array'], cutOff: false };
  } catch {
    /* fall through to cleanup */
  }
  const repairs: string[] = [];
  const text = stripResidue(raw, repairs);
  const first = text.indexOf('{');
  if (first < 0) {
    const snippet = text.trim().slice(0, 80).replace(/\s+/g, ' ');
    return { ok: false, reason: `no JSON object in the output ("${snippet}${text.trim().length > 80 ? '…' : ''}")` };
  }

  // The original's floor: first { to last }, trailing ",\n}" removed, JSON.parse.
  const last = text.lastIndexOf('}');
  if (last > first) {
    const floor = text.slice(first, last + 1).replace(/,\s*\n(\s*)}/g, '\n$1}');
    try {
      const v = JSON.parse(floor);
      if (isObject(v)) {
        if (text.slice(0, first).trim()) repairs.push('dropped text before the JSON');
        if (text.slice(last + 1).trim()) repairs.push('dropped text after the JSON');
        if (floor !== text.slice(first, last + 1)) repairs.push('removed a trailing comma');
        if (repairs.length === 0) repairs.push('extracted the JSON object from the text');
        return { ok: true, value: v, direct: false, repairs, cutOff: false };
      }
    } catch {
      /* repair below */
    }
  }

  // Prose may contain braces of its own: try each opening brace (a few) as the start.
  // Only top-level braces: a brace inside an earlier candidate is part of it.
  const starts: number[] = [];
  for (let i = first; i >= 0 && starts.length < 20;) {
    starts.push(i);
    const e = balancedEnd(text, i);
    if (e < 0) break;
    i = text.indexOf('{', e + 1);
  }
  for (const s of starts) {
    const e = balancedEnd(text, s);
    if (e < 0) continue;
    try {
      const v = JSON.parse(text.slice(s, e + 1));
      if (isObject(v)) {
        if (text.slice(0, s).trim()) repairs.push('dropped text before the JSON');
        if (text.slice(e + 1).trim()) repairs.push('dropped text after the JSON');
        return { ok: true, value: v, direct: false, repairs: [...new Set(repairs)], cutOff: false };
      }
    } catch {
      /* next start */
    }
  }
  let lastError = '';
  for (const s of starts) {
    const end = balancedEnd(text, s);
    const candidates: Array<[string, string]> = [];
    if (end > 0)
      candidates.push([
        text.slice(s, end + 1),
        end + 1 < text.length && text.slice(end + 1).trim() ? 'dropped text after the JSON' : '',
      ]);
    if (last > s && last !== end)
      candidates.push([text.slice(s, last + 1), text.slice(last + 1).trim() ? 'dropped text after the JSON' : '']);
    if (end < 0)
      candidates.push([stripTrailingFence(text.slice(s)), opts.truncated ? CLOSED_CUT_OFF : CLOSED_UNBALANCED]);
    for (const [segment, note] of candidates) {
      try {
        const fixed = jsonrepair(segment);
        const local: string[] = [];
        const v = unwrapString(JSON.parse(fixed), local);
        if (!isObject(v)) {
          lastError = 'repaired JSON is not an object';
          continue;
        }
        if (text.slice(0, s).trim()) local.push('dropped text before the JSON');
        if (note) local.push(note);
        if (fixed !== segment) local.push('repaired JSON syntax');
        // `end < 0`: this object never closes. Its slice up to the last `}` may still parse
        // after repair (the text stopped right after an inner brace), but it is cut off all the same.
        return { ok: true, value: v, direct: false, repairs: [...new Set([...repairs, ...local])], cutOff: end < 0 };
      } catch (err) {
        lastError ||= (err as Error).message;
      }
    }
  }
  return {
    ok: false,
    reason: `JSON could not be repaired: ${lastError || 'no candidate'}${opts.truncated ? ' (output cut off at max_tokens)' : ''}`,
  };
}

function stripTrailingFence(s: string): string {
  return s.replace(/\n?```\s*$/, '');
}
