import { describe, expect, it } from 'vitest';
import { parseKeyInfo } from '../../src/pipeline/extract/parse.js';
import { extractJsonObject } from '../../src/pipeline/llm/json.js';
import { MALFORMED } from './fixtures/malformed.js';

describe('model output parsing', () => {
  it('has a corpus of at least 30 kinds of malformed output', () => {
    expect(MALFORMED.filter((c) => c.expect !== 'ok').length).toBeGreaterThanOrEqual(30);
    expect(new Set(MALFORMED.map((c) => c.kind)).size).toBe(MALFORMED.length);
  });

  for (const c of MALFORMED) {
    it(`${c.kind} → ${c.expect}`, () => {
      const r = parseKeyInfo(c.text, { truncated: c.truncated });
      expect(r.status, r.reason).toBe(c.expect);
      if (r.status === 'parse_error' || r.status === 'truncated') {
        expect(r.keyinfo).toBeNull();
        expect(r.reason).toMatch(/\w/);
      } else {
        expect(r.keyinfo).toBeTypeOf('object');
        for (const k of ['opacity_vs_clear', 'entity', 'uncertain_entity', 'no_entity'])
          expect(r.keyinfo).toHaveProperty(k);
        if (r.status === 'repaired') expect(r.reason).toMatch(/\w/);
      }
      if (c.has && r.keyinfo) expect(Object.keys((r.keyinfo as { entity: object }).entity)).toContain(c.has);
      if (c.expect === 'truncated') expect(c.has, 'a cut-off case names no entity it keeps').toBeUndefined();
    });
  }

  it('keeps the original floor: first { to last }, trailing ",\\n}" removed', () => {
    const r = extractJsonObject('noise {"a": 1,\n} tail');
    expect(r.ok && r.value).toEqual({ a: 1 });
  });

  it('says when output was cut at max_tokens, and keeps nothing of it as data', () => {
    const r = parseKeyInfo('{"entity": {"edema": {"location": "bi', { finishReason: 'length' });
    expect(r.status).toBe('truncated');
    expect(r.keyinfo).toBeNull();
    expect(r.reason).toMatch(/max_tokens/);
  });

  it('a reply cut at any byte is never ok or repaired (finish_reason length or not)', () => {
    const full =
      '{"opacity_vs_clear": {"opacity": {"location": "right lower lobe"}}, "entity": {"pleural effusion": {"location": "left", "level": "small", "type": null}, "rib fracture": {"location": "right", "level": null, "type": "healed"}}, "uncertain_entity": ["pneumonia"], "no_entity": ["pneumothorax"]}';
    for (let cut = 1; cut < full.length; cut++) {
      const text = full.slice(0, cut);
      for (const finishReason of ['length', 'stop']) {
        const r = parseKeyInfo(text, { finishReason });
        expect(['ok', 'repaired'], `cut at ${cut} (${finishReason}): ${text}`).not.toContain(r.status);
        expect(r.keyinfo).toBeNull();
      }
    }
    expect(parseKeyInfo(full, { finishReason: 'stop' }).status).toBe('ok');
  });

  it('never reports a parse failure as no findings', () => {
    for (const c of MALFORMED.filter((m) => m.expect === 'parse_error')) {
      const r = parseKeyInfo(c.text);
      expect(r.keyinfo).toBeNull();
    }
  });
});
