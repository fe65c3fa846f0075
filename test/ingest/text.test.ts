import { describe, expect, it } from 'vitest';
import { checkReportText, decodeReportBytes, normalizeText } from '../../src/pipeline/ingest/text.js';
import { normalizeId } from '../../src/pipeline/ingest/record.js';

describe('report text decoding', () => {
  it('decodes UTF-8, strips a BOM and unifies line ends', () => {
    const r = decodeReportBytes(Buffer.from('\uFEFFFINDINGS: ok\r\nline 2\r'), 1000);
    expect(r).toEqual({ ok: true, text: 'FINDINGS: ok\nline 2\n', warnings: [] });
  });
  it('skips binary data (NUL bytes)', () => {
    const r = decodeReportBytes(Buffer.from([0x41, 0x00, 0x42]), 1000);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem.reason).toBe('binary');
  });
  it('decodes invalid UTF-8 as Latin-1 with a warning', () => {
    const r = decodeReportBytes(Buffer.from([0x4e, 0x6f, 0x20, 0xe9, 0x64, 0x65, 0x6d, 0x61]), 1000);
    expect(r).toMatchObject({ ok: true, text: 'No édema' });
    if (r.ok) expect(r.warnings[0]?.reason).toBe('invalid_utf8');
  });
  it('skips reports over the size limit instead of truncating them', () => {
    const r = decodeReportBytes(Buffer.alloc(2000, 0x61), 1000);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem).toMatchObject({ reason: 'too_large' });
  });
  it('skips empty and whitespace-only reports', () => {
    for (const t of ['', ' \n \t']) {
      const r = decodeReportBytes(Buffer.from(t), 1000);
      expect(r.ok ? null : r.problem.reason).toBe('empty_text');
    }
  });
  it('applies the same rules to decoded strings, flagging U+FFFD replacements', () => {
    expect(checkReportText('a\0b', 100)).toMatchObject({ ok: false, problem: { reason: 'binary' } });
    expect(checkReportText('é'.repeat(60), 100)).toMatchObject({ ok: false, problem: { reason: 'too_large' } });
    const r = checkReportText('bad \uFFFD byte', 100);
    expect(r.ok && r.warnings.map((w) => w.reason)).toEqual(['invalid_utf8']);
  });
  it('normalizes ids: no s/p prefix, no float suffix', () => {
    expect(normalizeId('s50414267')).toBe('50414267');
    expect(normalizeId('p10000032')).toBe('10000032');
    expect(normalizeId(' 50414267.0 ')).toBe('50414267');
    expect(normalizeId('CXR12')).toBe('CXR12');
    expect(normalizeId('p1')).toBe('p1');
    expect(normalizeText('a\r\nb')).toBe('a\nb');
  });
});
