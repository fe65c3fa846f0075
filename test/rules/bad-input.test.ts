import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extractReference } from '../../src/pipeline/rules/extract.js';
import { defaultLibs } from '../../src/pipeline/rules/libs.js';
import { referenceToKeyInfo } from '../../src/pipeline/rules/toKeyInfo.js';
import { StrictKeyInfoSchema } from '../../src/pipeline/schemas/keyinfo.js';
import { ReferenceRecordSchema } from '../../src/pipeline/schemas/reference.js';

const libs = defaultLibs();

function check(text: string) {
  const ref = extractReference({ study_id: 'x', text }, libs);
  expect(ReferenceRecordSchema.safeParse(ref).success).toBe(true);
  expect(StrictKeyInfoSchema.safeParse(referenceToKeyInfo(ref)).success).toBe(true);
  for (const ev of [
    ...Object.values(ref.entity).flatMap((e) => e.evidence),
    ...Object.values(ref.no_entity_evidence).flat(),
  ]) {
    expect(text.slice(ev.start, ev.end)).toBe(ev.text);
  }
  return ref;
}

describe('bad input never throws and gives a valid record', () => {
  it('empty text', () => {
    const ref = check('');
    expect(ref.entity).toEqual({});
    expect(ref.no_entity).toEqual([]);
  });
  it('whitespace and punctuation only', () => {
    check('   \n\n ... ;;; ???');
  });
  it('text with no sentence punctuation', () => {
    const ref = check('small left pleural effusion no pneumothorax heart size normal');
    expect(Object.keys(ref.entity)).toEqual(['pleural effusion']);
    expect(ref.no_entity).toEqual(['pneumothorax']);
  });
  it('a 5 MB report', () => {
    const unit = 'Small left pleural effusion. No pneumothorax. The heart is mildly enlarged. ';
    const text = unit.repeat(Math.ceil((5 * 1024 * 1024) / unit.length));
    const ref = check(text);
    expect(Object.keys(ref.entity).sort()).toEqual(['cardiomegaly', 'pleural effusion']);
  });
  it('unusual Unicode: dotted capitals, emoji, RTL marks, zero-width and combining characters', () => {
    const text =
      'FINDINGS: İİİ ÅNGSTRÖM 🫁🫁 \u200fשלום\u200e Small\u200b left pleural effusion. Cardiomega\u0301ly. No pneumothorax\uFEFF. \uD800 lone surrogate.';
    const ref = check(text);
    expect(ref.entity['pleural effusion']).toMatchObject({ entity_name: 'pleural effusion' });
    expect(ref.entity['pleural effusion']!.location).toContain('left');
    expect(ref.no_entity).toContain('pneumothorax');
  });
  it('text missing or not a string', () => {
    const ref = extractReference({ study_id: 'y', text: undefined as unknown as string }, libs);
    expect(ref.entity).toEqual({});
  });
  it('arbitrary strings (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (s) => {
        check(s);
      }),
      { numRuns: 300 },
    );
  });
});

describe('very long input', () => {
  it('reads all of a 5 MB report without sentence punctuation', () => {
    const unit = 'small left pleural effusion no pneumothorax heart is mildly enlarged ';
    const text = unit.repeat(Math.ceil((5 * 1024 * 1024) / unit.length)) + ' tiny right apical pneumothorax at the end';
    const ref = check(text);
    expect(Object.keys(ref.entity).sort()).toEqual(['cardiomegaly', 'pleural effusion', 'pneumothorax']);
  });
});
