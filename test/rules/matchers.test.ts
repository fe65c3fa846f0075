import { describe, expect, it } from 'vitest';
import { compileCueMatcher, compileDiseaseMatcher } from '../../src/pipeline/rules/matchers.js';

const disease = (official: string, variants: string[]) => ({
  id: official,
  official,
  variants,
  location: '',
  origin: 'added',
});

describe('disease matcher split over several regexes (a large vocabulary stays one leftmost-longest scan)', () => {
  // Enough filler variants to need several regexes (each kept well under V8's 20 KB optimization limit).
  const filler = disease(
    'filler',
    Array.from({ length: 1500 }, (_, i) => `zzfiller${i} term`),
  );
  const matcher = compileDiseaseMatcher([
    filler,
    disease('pleural effusion', ['effusion', 'pleural effusion']),
    disease('cardiomegaly', ['heart ... enlarged']),
    disease('granuloma', ['granuloma']),
  ]);

  it('keeps the longest variant at a position and every later mention', () => {
    const found = matcher
      .find('small pleural effusion; the heart is mildly enlarged; zzfiller1499 term and a granuloma')
      .map((m) => m.disease.official);
    expect(found).toEqual(['pleural effusion', 'cardiomegaly', 'filler', 'granuloma']);
    const spans = matcher.find('small pleural effusion').map((m) => [m.start, m.end]);
    expect(spans).toEqual([[6, 22]]);
  });

  it('gives the same result when the same sentence is scanned twice', () => {
    const s = 'granuloma and effusion';
    expect(matcher.find(s)).toEqual(matcher.find(s));
    expect(matcher.find(s).length).toBe(2);
  });
});

describe('cue matcher', () => {
  it('finds word cues with word boundaries and punctuation cues anywhere', () => {
    const cues = compileCueMatcher([
      { cue: 'no', kind: 'negation', position: 'pre' },
      { cue: '?', kind: 'hedge', position: 'pre' },
    ]);
    expect(cues.find('?pneumonia, no effusion, nothing else').map((c) => [c.cue, c.start])).toEqual([
      ['?', 0],
      ['no', 12],
    ]);
  });
});
