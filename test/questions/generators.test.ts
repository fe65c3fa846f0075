import { describe, expect, it } from 'vitest';
import {
  abnormality,
  attribute,
  location,
  presence,
  view,
  type StudyInput,
} from '../../src/pipeline/questions/generators.js';
import { QuestionLibrary } from '../../src/pipeline/questions/library.js';
import { prepareKeyInfo } from '../../src/pipeline/questions/prepare.js';
import { Rng } from '../../src/pipeline/util/random.js';
import { DISEASES, ScriptedRng, attrs, ki } from './fixtures.js';
import type { StrictKeyInfo } from '../../src/pipeline/schemas/keyinfo.js';

const library = new QuestionLibrary(DISEASES);
const study = (k: StrictKeyInfo, v: 'AP' | 'PA' | null = 'PA'): StudyInput => ({
  ...prepareKeyInfo(k, { library, filter: null }),
  view: v,
});
const seeds = (n: number) => Array.from({ length: n }, (_, i) => new Rng(i));

describe('abnormality', () => {
  it('lists all findings, joined with ", "', () => {
    const s = study(ki({ 'pleural effusion': attrs('left'), atelectasis: attrs() }));
    // int(3) → template 0 ("all")
    const d = abnormality(s, new ScriptedRng([0.1]));
    expect(d).toMatchObject({
      question: 'what abnormalities are seen in this image?',
      answer: 'pleural effusion, atelectasis',
      template: 'abnormality.all',
    });
  });

  it('asks by location with a bare side read as the lung', () => {
    const s = study(ki({ atelectasis: attrs(), 'pleural effusion': attrs('left') }));
    const d = abnormality(s, new ScriptedRng([0.5]));
    expect(d).toMatchObject({ question: 'what abnormalities are seen in the left lung?', answer: 'pleural effusion' });
  });

  it('an adjective place gains "area"; a place ending in a noun is asked as it is', () => {
    const d = abnormality(study(ki({ atelectasis: attrs('bibasilar') })), new ScriptedRng([0.5]));
    expect(d).toMatchObject({ question: 'what abnormalities are seen in the bibasilar area?' });
    const e = abnormality(study(ki({ opacity: attrs('right lung base') })), new ScriptedRng([0.5]));
    expect(e).toMatchObject({ question: 'what abnormalities are seen in the right lung base?' });
  });

  it('a bilateral finding is asked "in both lungs", with no article', () => {
    const s = study(ki({ 'pleural effusion': attrs('bilateral') }));
    const d = abnormality(s, new ScriptedRng([0.5]));
    expect(d).toMatchObject({ question: 'what abnormalities are seen in both lungs?', answer: 'pleural effusion' });
  });

  it('a location naming both sides (merged instances) is asked as both lungs, never "in the left, right"', () => {
    const s = study(ki({ 'pleural effusion': attrs('left, right') }));
    const d = abnormality(s, new ScriptedRng([0.5]));
    expect(d).toMatchObject({ question: 'what abnormalities are seen in both lungs?', answer: 'pleural effusion' });
    for (const rng of seeds(100)) {
      const p = presence(s, rng, library);
      if (p) expect(p.question).not.toMatch(/left, right/);
    }
  });

  it('with no entities: never an empty list answer; skipped or "no"', () => {
    const s = study(ki({}, ['pneumothorax']));
    const outcomes = new Set<string>();
    for (const rng of seeds(200)) {
      const d = abnormality(s, rng);
      if (d === null) outcomes.add('skipped');
      else {
        expect(d.question).toBe('is there evidence of any abnormalities in this image?');
        expect(d.answer).toBe('no');
        outcomes.add('no');
      }
    }
    expect(outcomes).toEqual(new Set(['skipped', 'no']));
  });
});

describe('presence', () => {
  it('is skipped when the record has neither findings nor negatives', () => {
    for (const rng of seeds(50)) expect(presence(study(ki()), rng, library)).toBeNull();
  });

  it('bilateral: "is the X bilateral?" → yes', () => {
    const s = study(ki({ 'pleural effusion': attrs('bilateral') }));
    // template 2 (location), yes branch
    expect(presence(s, new ScriptedRng([0.9, 0.1]), library)).toMatchObject({
      question: 'is the pleural effusion bilateral?',
      answer: 'yes',
      template: 'presence.bilateral',
    });
  });

  it('flipped side: asks about the other side and answers no', () => {
    const s = study(ki({ 'pleural effusion': attrs('left') }));
    expect(presence(s, new ScriptedRng([0.9, 0.9]), library)).toMatchObject({
      question: 'is there pleural effusion in the right lung?',
      answer: 'no',
      template: 'presence.location.flipped',
    });
    const s2 = study(ki({ atelectasis: attrs('left lower lobe') }));
    expect(presence(s2, new ScriptedRng([0.9, 0.9]), library)?.question).toBe(
      'is there atelectasis in the right upper lobe?',
    );
  });

  it('a location on both sides is never flipped into a false "no"', () => {
    const s = study(ki({ edema: attrs('left and right') }));
    for (const rng of seeds(100)) {
      const d = presence(s, rng, library);
      expect(d?.template, d?.question).not.toBe('presence.location.flipped');
    }
  });

  it('answers are consistent with the record over many seeds', () => {
    const s = study(ki({ 'pleural effusion': attrs('left'), edema: attrs() }, ['pneumothorax']));
    const templates = new Set<string>();
    for (const rng of seeds(400)) {
      const d = presence(s, rng, library)!;
      templates.add(d.template);
      if (d.template.endsWith('.negative'))
        expect([d.question, d.answer]).toEqual([expect.stringContaining('pneumothorax'), 'no']);
      if (d.template.endsWith('.positive')) expect(d.answer).toBe('yes');
      if (d.template.endsWith('.library')) {
        const asked = /is there (?:evidence of )?(.+?)(?: in this image)?\?$/.exec(d.question)![1]!;
        expect(d.answer).toBe(asked === 'pleural effusion' || asked === 'edema' ? 'yes' : 'no');
      }
    }
    expect(templates).toEqual(
      new Set([
        'presence.evidence.negative',
        'presence.short.negative',
        'presence.evidence.library',
        'presence.short.library',
        'presence.evidence.positive',
        'presence.short.positive',
        'presence.location.yes',
        'presence.location.flipped',
      ]),
    );
  });

  it('library questions skip catch-all names', () => {
    const lib = new QuestionLibrary([
      ...DISEASES,
      { id: 'x', official: 'other finding', variants: ['other finding'], location: '', origin: 'original' },
    ]);
    expect(lib.askable).not.toContain('other finding');
  });
});

describe('view', () => {
  it('PA always gets a view question with the right answer', () => {
    for (const rng of seeds(50)) {
      const d = view(study(ki(), 'PA'), rng, 0.05)!;
      expect(d).not.toBeNull();
      if (d.question === 'which view is this image taken?') expect(d.answer).toBe('PA view');
      else expect(d.answer).toBe(d.question === 'is this PA view?' ? 'yes' : 'no');
    }
  });

  it('AP is subsampled: none at 0, all at 1, about 5% at the default', () => {
    const ap = study(ki(), 'AP');
    expect(seeds(50).filter((r) => view(ap, r, 0))).toHaveLength(0);
    expect(seeds(50).filter((r) => view(ap, r, 1))).toHaveLength(50);
    const rng = new Rng(7);
    let n = 0;
    for (let i = 0; i < 4000; i++) if (view(ap, rng, 0.05)) n++;
    expect(n / 4000).toBeGreaterThan(0.035);
    expect(n / 4000).toBeLessThan(0.065);
  });

  it('unknown view: no view question', () => {
    expect(view(study(ki(), null), new Rng(0), 1)).toBeNull();
  });
});

describe('location, level, type', () => {
  it('side question for a one-sided location', () => {
    const s = study(ki({ 'pleural effusion': attrs('right base') }));
    expect(location(s, new ScriptedRng([0, 0.9]))).toMatchObject({
      question: 'is the pleural effusion located on the left side or right side?',
      answer: 'right side',
    });
  });

  it('where-questions answer with up to two areas', () => {
    const s = study(ki({ edema: attrs('retrocardiac, left base') }));
    expect(location(s, new ScriptedRng([0, 0.1]))).toMatchObject({
      question: 'where in the image is the edema located?',
      answer: 'retrocardiac area and left base area',
    });
  });

  it('skips entities located both left and right, and entities without location', () => {
    for (const rng of seeds(30))
      expect(location(study(ki({ edema: attrs('left and right'), atelectasis: attrs() })), rng)).toBeNull();
  });

  it('level and type come from the entity attributes; none → no question', () => {
    const s = study(ki({ 'pleural effusion': attrs('left', 'small', 'layering') }));
    expect(attribute('level', s, new Rng(0))).toMatchObject({
      question: 'what level is the pleural effusion?',
      answer: 'small',
    });
    expect(attribute('type', s, new Rng(0))).toMatchObject({
      question: 'what type is the pleural effusion?',
      answer: 'layering',
    });
    expect(attribute('level', study(ki({ edema: attrs() })), new Rng(0))).toBeNull();
  });

  it('opacity from opacity_vs_clear is asked about like an entity', () => {
    const s = study(ki({}, [], attrs('right upper lobe', null, 'patchy')));
    expect(attribute('type', s, new Rng(0))).toMatchObject({
      question: 'what type is the opacity?',
      answer: 'patchy',
      entities: ['opacity'],
    });
  });
});
