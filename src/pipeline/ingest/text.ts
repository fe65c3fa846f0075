import type { IngestIssue } from '../schemas/report.js';

/**
 * Turning input bytes/strings into report text, with the bad-input rules:
 * - NUL bytes → skipped as `binary` (not a text report; decoding it would feed garbage to the model);
 * - larger than the limit → skipped as `too_large`. Real reports are a few KB; a multi-MB "report"
 *   is a mis-export or a concatenation, and any cut of it would be an arbitrary fragment. The issue
 *   keeps the source path so nothing is lost, and the limit is the step's `maxReportBytes` param;
 * - invalid UTF-8 → decoded as Latin-1 (the usual cause is a legacy 8-bit export) and ingested with
 *   an `invalid_utf8` warning;
 * - empty or whitespace-only → skipped as `empty_text`.
 */

export type IssueReason = IngestIssue['reason'];

export interface TextProblem {
  reason: IssueReason;
  detail: string;
}

export type DecodeResult = { ok: true; text: string; warnings: TextProblem[] } | { ok: false; problem: TextProblem };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Strip a BOM and unify line ends, so stored offsets refer to the stored text. */
export function normalizeText(text: string): string {
  const noBom = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return noBom.includes('\r') ? noBom.replace(/\r\n?/g, '\n') : noBom;
}

export function decodeReportBytes(buf: Uint8Array, maxBytes: number): DecodeResult {
  if (buf.length > maxBytes) return { ok: false, problem: tooLarge(buf.length, maxBytes) };
  if (buf.indexOf(0) >= 0)
    return {
      ok: false,
      problem: { reason: 'binary', detail: `contains NUL bytes at offset ${buf.indexOf(0)}; not a text report` },
    };
  const warnings: TextProblem[] = [];
  let text: string;
  try {
    text = utf8.decode(buf);
  } catch {
    text = Buffer.from(buf.buffer, buf.byteOffset, buf.length).toString('latin1');
    warnings.push({ reason: 'invalid_utf8', detail: 'not valid UTF-8; decoded as Latin-1' });
  }
  return finish(text, warnings);
}

/** The same rules for text that arrived already decoded (CSV cells, JSON strings). */
export function checkReportText(raw: string, maxBytes: number): DecodeResult {
  const size = Buffer.byteLength(raw, 'utf8');
  if (size > maxBytes) return { ok: false, problem: tooLarge(size, maxBytes) };
  if (raw.includes('\0'))
    return { ok: false, problem: { reason: 'binary', detail: 'contains NUL characters; not a text report' } };
  const warnings: TextProblem[] = [];
  // The stream decoders replace invalid UTF-8 with U+FFFD; that is the only trace left of it.
  if (raw.includes('\uFFFD'))
    warnings.push({ reason: 'invalid_utf8', detail: 'invalid UTF-8 in the input; replaced with U+FFFD' });
  return finish(raw, warnings);
}

function finish(text: string, warnings: TextProblem[]): DecodeResult {
  const norm = normalizeText(text);
  if (norm.trim() === '') return { ok: false, problem: { reason: 'empty_text', detail: 'the report is empty' } };
  return { ok: true, text: norm, warnings };
}

/** A report over the size limit: skipped whole, never cut (the message names the step param). */
export function tooLarge(size: number, max: number): TextProblem {
  return {
    reason: 'too_large',
    detail: `${size} bytes exceeds the ${max}-byte limit (step param maxReportBytes); skipped, not truncated`,
  };
}
