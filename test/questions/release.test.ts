import { describe, expect, it } from 'vitest';
import { generateQuestions, type StandardizedRecord } from '../../src/pipeline/questions/generate.js';
import type { QaPair } from '../../src/pipeline/questions/schema.js';
import type { StrictKeyInfo } from '../../src/pipeline/schemas/keyinfo.js';
import type { Style } from '../../src/pipeline/schemas/style.js';
import { buildFrequencyDicts } from '../../src/pipeline/standardize/dictionaries.js';
import { releaseFlip } from '../../src/pipeline/questions/release.js';
import { Rng } from '../../src/pipeline/util/random.js';
import { DISEASES, attrs, ki, meta, params, rec } from './fixtures.js';

/** One study's pairs over many seeds, in one style: what a KeyInfo is asked, across the random draws. */
function asked(k: StrictKeyInfo, style: Style, seeds = 300, over = {}): QaPair[] {
  const records: StandardizedRecord[] = [rec('50000001', k)];
  const index = new Map([['50000001', meta('50000001', '10000001')]]);
  const dicts = buildFrequencyDicts(records.map((r) => r.keyinfo));
  const out: QaPair[] = [];
  for (let seed = 0; seed < seeds; seed++)
    out.push(...generateQuestions(records, index, dicts, params({ seed, ...over }), DISEASES, undefined, style).pairs);
  return out;
}
const ofType = (pairs: QaPair[], t: string) => pairs.filter((p) => p.question_type === t);
const texts = (pairs: QaPair[]) => new Set(pairs.map((p) => `${p.question} → ${p.answer}`));

describe('release style questions', () => {
  const filtered = { filterLowFreq: true, lowFreqThreshold: 1 };
  const allAnswer = (k: StrictKeyInfo, style: Style) =>
    ofType(asked(k, style, 60, filtered), 'abnormality').find((p) => p.provenance.template === 'abnormality.all')
      ?.answer;

  it('names findings as the KeyInfo does; two names of one disease stay two findings', () => {
    const k = ki({ 'pulmonary edema': attrs(), edema: attrs() });
    expect(allAnswer(k, 'release')).toBe('pulmonary edema, edema');
    expect(allAnswer(k, 'improved')).toBe('edema');
  });

  it('asks the side only of a place that is exactly left or right, naming that finding', () => {
    const k = ki({ atelectasis: attrs('left lower lobe'), 'pleural effusion': attrs('right') });
    const side = ofType(asked(k, 'release'), 'location').filter((p) => p.provenance.template === 'location.side');
    expect(side.length).toBeGreaterThan(0);
    expect(texts(side)).toEqual(
      new Set(['is the pleural effusion located on the left side or right side? → right side']),
    );
    // improved asks it of any one-sided place
    const imp = ofType(asked(k, 'improved'), 'location').filter((p) => p.provenance.template === 'location.side');
    expect([...texts(imp)]).toContain('is the atelectasis located on the left side or right side? → left side');
  });

  it('asks where a both-sided finding is, answering with the place as written', () => {
    const k = ki({ atelectasis: attrs('left and right lower lobes') });
    const where = ofType(asked(k, 'release'), 'location');
    expect(texts(where)).toEqual(
      new Set([
        'where is the atelectasis? → left and right lower lobes area',
        'where in the image is the atelectasis located? → left and right lower lobes area',
      ]),
    );
    expect(ofType(asked(k, 'improved'), 'location')).toHaveLength(0);
  });

  it('words places as the release does: the place as written plus "area", a bare side as the lung', () => {
    const k = ki({ 'pleural effusion': attrs('left') });
    const all = texts(asked(k, 'release'));
    expect(all).toContain('what abnormalities are seen in the left? → pleural effusion');
    expect(all).toContain('is there pleural effusion in the left lung area? → yes');
    expect(all).toContain('is there pleural effusion in the right area? → no');
  });

  it('asks a study with no findings whether it has any abnormality about half the time', () => {
    const n = 2000;
    const rate = (style: Style) => ofType(asked(ki({}, ['pneumothorax']), style, n), 'abnormality').length / n;
    expect(rate('release')).toBeGreaterThan(0.45);
    expect(rate('release')).toBeLessThan(0.55);
    expect(rate('improved')).toBeGreaterThan(0.62);
  });

  it('"is there X in the <place>?" is about any located finding, not always the first', () => {
    const k = ki({ atelectasis: attrs('left lower lobe'), 'pleural effusion': attrs('right base') });
    const located = ofType(asked(k, 'release'), 'presence').filter((p) =>
      p.provenance.template.startsWith('presence.location'),
    );
    const names = new Set(located.map((p) => p.provenance.entities[0]));
    expect(names).toEqual(new Set(['atelectasis', 'pleural effusion']));
    // and each question's place is its own finding's (never another finding's place)
    for (const p of located.filter((x) => x.answer === 'yes'))
      expect(p.question).toBe(
        p.provenance.entities[0] === 'atelectasis'
          ? 'is there atelectasis in the left lower lobe area?'
          : 'is there pleural effusion in the right base area?',
      );
  });

  it('the flipped "no" question changes one word: the side when there is one, else upper/lower', () => {
    const flipped = (loc: string) =>
      texts(
        ofType(asked(ki({ atelectasis: attrs(loc) }), 'release'), 'presence').filter(
          (p) => p.provenance.template === 'presence.location.flipped',
        ),
      );
    expect(flipped('left upper lobe')).toEqual(new Set(['is there atelectasis in the right upper lobe area? → no']));
    expect(flipped('upper lobe')).toEqual(new Set(['is there atelectasis in the lower lobe area? → no']));
    // a place naming both sides is never flipped (the flip would name a place the finding is at)
    expect(flipped('left and right bases')).toEqual(new Set());
  });

  it('asks "is there evidence of X?" only where X is the stated negative or a library disease', () => {
    const pairs = ofType(asked(ki({}, ['Pneumothorax']), 'release'), 'presence');
    for (const p of pairs) expect(p.answer).toBe('no');
    expect([...texts(pairs)]).toContain('is there pneumothorax? → no');
  });

  it('keeps a finding when its official name itself is frequent enough (the release filter)', () => {
    // "pulmonary edema" is edema, a name no KeyInfo here uses itself: the release drops it.
    const k = ki({ 'pulmonary edema': attrs() });
    expect(allAnswer(k, 'release')).toBeUndefined();
    expect(allAnswer(k, 'improved')).toBe('edema');
  });

  it('flips a place the way the release does, and never into a place the finding is at', () => {
    const rng = new Rng(1);
    expect(releaseFlip('right middle lobe', rng)).toBe('left middle lobe');
    expect(releaseFlip('mid to lower lung', rng)).toBe('upper to mid');
    expect(releaseFlip('lower lobe', rng)).toBe('upper lobe');
    expect(['upper lung', 'lower lung']).toContain(releaseFlip('mid lung', rng));
    expect(releaseFlip('retrocardiac', rng)).toBeNull();
    expect(releaseFlip('left and right', rng)).toBeNull();
    expect(releaseFlip('cleft', rng)).toBeNull();
  });
});
