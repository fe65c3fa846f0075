import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffDifference } from '../../src/pipeline/questions/diffLayout.js';
import { generateQuestions, type StandardizedRecord } from '../../src/pipeline/questions/generate.js';
import type { PreparedEntity } from '../../src/pipeline/questions/prepare.js';
import { readKeyInfoFile } from '../../src/pipeline/questions/keyinfoFile.js';
import {
  buildPostPhraseLibrary,
  couldBeAt,
  drawOtherPlace,
  loadPostPhraseLibrary,
} from '../../src/pipeline/questions/postLocations.js';
import type { QaPair } from '../../src/pipeline/questions/schema.js';
import { buildFrequencyDicts } from '../../src/pipeline/standardize/dictionaries.js';
import { Rng } from '../../src/pipeline/util/random.js';
import type { Style } from '../../src/pipeline/schemas/style.js';
import { DISEASES, meta, params } from './fixtures.js';

const POSTS = loadPostPhraseLibrary();

describe('the post-location library', () => {
  it('adds each phrase under each single rewrite, on word boundaries, keeping its keywords', () => {
    const lib = buildPostPhraseLibrary(
      [
        { phrase: 'the right middle lobe', keywords: 'right;', original: true },
        { phrase: 'the lingula', keywords: 'lingula;left', original: false },
      ],
      [
        { from: 'lobe', to: 'lung', original: true },
        { from: 'mid', to: 'middle', original: true },
      ],
    );
    expect([...lib.byPhrase.keys()]).toEqual(['the right middle lobe', 'the right middle lung', 'the lingula']);
    // "right;" has an empty keyword that would match every place: it is dropped
    expect(lib.byPhrase.get('the right middle lung')!.keywords).toEqual(['right']);
    expect(lib.releaseDraws.map((p) => p.phrase)).toEqual(['the right middle lobe', 'the right middle lung']);
  });

  it('the bundled library: 42 published phrases, 50 with their rewrites, the added rows not drawn in release', () => {
    expect(POSTS.releaseDraws.length).toBe(50);
    expect(POSTS.releaseDraws.map((p) => p.phrase)).toContain('the left lower lung');
    expect(POSTS.releaseDraws.map((p) => p.phrase)).not.toContain('the thoracic spine');
    expect(POSTS.byPhrase.get('the thoracic spine')!.keywords).toEqual(['spine']);
  });

  it.each([
    ['the left lung base', 'the lung bases', true],
    ['the left lung base', 'the right lung base', false],
    ['the left lower lobe', 'the lower lungs', true],
    ['the left lower lobe', 'the upper lobe', false],
    ['the right mid to lower lung', 'the lower lobe', true],
    ['the apical region', 'the right upper lung', true],
    ['the apical region', 'the lower lobes', false],
    ['the thoracic spine', 'the lower lobe', false],
    ['the thoracic spine', 'the spine', true],
    ['the thoracic spine', 'the lumbar spine', false],
    ['the soft tissues', 'the left chest wall', true],
    ['the right hilum', 'the right upper lung', true],
  ])('a finding at "%s" could be at "%s": %s', (at, other, could) => {
    expect(couldBeAt(at, other)).toBe(could);
  });

  it('a "no" place holds none of the finding\'s keywords and is never a place the finding could be at', () => {
    for (const at of POSTS.byPhrase.keys()) {
      const keywords = POSTS.byPhrase.get(at)!.keywords;
      for (let seed = 0; seed < 40; seed++) {
        const other = drawOtherPlace(at, POSTS, new Rng(seed));
        if (other === null) continue;
        expect(keywords.some((k) => other.includes(k))).toBe(false);
        expect(couldBeAt(at, other)).toBe(false);
      }
    }
  });

  it('never draws "the lung bases" for a finding at the left lung base, which the published rule allowed', () => {
    const published = POSTS.releaseDraws.filter((p) => !p.phrase.includes('left')).map((p) => p.phrase);
    expect(published).toContain('the lung bases');
    const drawn = new Set(
      Array.from({ length: 400 }, (_, s) => drawOtherPlace('the left lung base', POSTS, new Rng(s))),
    );
    expect(drawn.has('the lung bases')).toBe(false);
    expect(drawn.has('the right lung base')).toBe(true);
  });
});

/** Rule-based records in the MIMIC-Diff-VQA layout, written to a JSONL file as a run's reference.jsonl is. */
function ruleFile(): string {
  const none = { location2: null, type2: null, level2: null, post_location2: null };
  const entity = (over: Record<string, unknown>) => ({
    location: [],
    type: [],
    level: [],
    post_location: null,
    ...none,
    ...over,
  });
  const records = [
    {
      study_id: 's1',
      subject_id: 'p1',
      entity: { edema: entity({ level: ['mild'] }) },
      no_entity: [],
      uncertain_entity: [],
    },
    {
      study_id: 's2',
      subject_id: 'p1',
      entity: {
        atelectasis: entity({ post_location: 'the left lung base', evidence: [] }),
        'pleural effusion': entity({ location: ['right'], level: ['small'], level2: ['large'], location2: ['left'] }),
        pneumonia: entity({ post_location: 'the right upper lung', location2: ['left'] }),
        edema: entity({ level: ['moderate'] }),
      },
      no_entity: ['pneumothorax'],
      uncertain_entity: [],
    },
    { study_id: 's3', subject_id: 'p2', entity: {}, no_entity: ['pneumothorax'], uncertain_entity: [] },
  ];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cx-post-'));
  const file = path.join(dir, 'reference.jsonl');
  fs.writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return file;
}

const INDEX = new Map([
  ['s1', meta('s1', 'p1', { study_order: 1, study_date: '2150-01-01' })],
  ['s2', meta('s2', 'p1', { study_order: 2, study_date: '2150-02-01' })],
  ['s3', meta('s3', 'p2')],
]);

const CATCH_ALL = {
  id: '9',
  official: 'hypertensive heart disease',
  variants: ['hypertensive heart disease'],
  location: 'heart',
  origin: 'original' as const,
};

function questions(style: Style, pairedLayout: boolean, seeds = 300, withPlaces = true): QaPair[] {
  const read: StandardizedRecord[] = readKeyInfoFile(ruleFile(), style).map((r) => ({ ...r, cycle: 0 }));
  const records = withPlaces ? read : read.map(({ places: _p, ...r }) => r);
  const dicts = buildFrequencyDicts(records.map((r) => r.keyinfo));
  const out: QaPair[] = [];
  for (let seed = 0; seed < seeds; seed++) {
    const p = params({ seed, pairedLayout, difference: !pairedLayout });
    out.push(...generateQuestions(records, INDEX, dicts, p, [...DISEASES, CATCH_ALL], undefined, style, POSTS).pairs);
  }
  return out;
}

describe('rule-based records (the Diff-VQA layout)', () => {
  it('are read with their places; the KeyInfo folds them as the rules backend does; a record without findings follows the file', () => {
    const [s1, s2, s3] = readKeyInfoFile(ruleFile(), 'release');
    expect(s2!.keyinfo.entity['atelectasis']).toEqual({ location: 'left lung base', level: null, type: null });
    expect(s2!.keyinfo.entity['pleural effusion']).toEqual({
      location: 'right,left',
      level: 'small,large',
      type: null,
    });
    expect(s2!.places!['pleural effusion']).toEqual({
      location: 'right',
      level: 'small',
      type: null,
      post: null,
      location2: 'left',
      second: true,
    });
    expect(s2!.places!['atelectasis']!.post).toBe('the left lung base');
    expect(s1!.places).toEqual({
      edema: { location: null, level: 'mild', type: null, post: null, location2: null, second: false },
    });
    expect(s3!.places).toEqual({});
    expect(readKeyInfoFile(ruleFile(), 'improved')[1]!.keyinfo.entity['pleural effusion']!.location).toBe(
      'right, left',
    );
  });

  it('release, paired: post-location phrases are asked as written, yes and no, and the "no" place is not where the finding is', () => {
    const pairs = questions('release', true).filter((p) => p.study_id === 's2');
    const q = (re: RegExp) => pairs.filter((p) => re.test(p.question));
    expect(q(/^what abnormalities are seen in the left lung base\?$/).every((p) => p.answer === 'atelectasis')).toBe(
      true,
    );
    expect(q(/^what abnormalities are seen in the left lung base\?$/).length).toBeGreaterThan(0);
    // the abnormality-by-place question of the Diff-VQA layout reads only post-locations
    expect(q(/^what abnormalities are seen in the right (lung )?area\?$/)).toEqual([]);
    expect(q(/^is there atelectasis in the left lung base\?$/).every((p) => p.answer === 'yes')).toBe(true);
    const no = pairs.filter((p) => p.provenance.template === 'presence.post_location.other');
    expect(no.length).toBeGreaterThan(0);
    for (const p of no) {
      expect(p.answer).toBe('no');
      const [, name, place] = /^is there (.+) in (the .+)\?$/.exec(p.question)!;
      const at = name === 'atelectasis' ? 'the left lung base' : 'the right upper lung';
      expect(couldBeAt(at, place!)).toBe(false);
    }
  });

  it('release, paired: where answers give the phrase, side from the phrase, never for a finding seen a second time', () => {
    const pairs = questions('release', true).filter((p) => p.study_id === 's2');
    const where = pairs.filter((p) => /^where (in the image )?is the atelectasis/.test(p.question));
    expect(new Set(where.map((p) => p.answer))).toEqual(new Set(['the left lung base']));
    const side = pairs.filter((p) => p.question === 'is the atelectasis located on the left side or right side?');
    expect(side.length).toBeGreaterThan(0);
    expect(side.every((p) => p.answer === 'left side')).toBe(true);
    // pneumonia has a second instance: its post-location gives no where or side question
    expect(pairs.filter((p) => p.question_type === 'location' && p.question.includes('pneumonia'))).toEqual([]);
    // the effusion's where answer joins both instances; its level question reads the first instance only
    const effusion = pairs.filter((p) => /^where (in the image )?is the pleural effusion/.test(p.question));
    expect(new Set(effusion.map((p) => p.answer))).toEqual(new Set(['right area and left area']));
    const level = pairs.filter((p) => p.question === 'what level is the pleural effusion?');
    expect(new Set(level.map((p) => p.answer))).toEqual(new Set(['small']));
  });

  it('release, paired: a catch-all library row is asked (the Diff-VQA generation asks every row); from model KeyInfo it is not', () => {
    const asks = (ps: QaPair[]) => ps.filter((p) => p.question.includes('hypertensive heart disease'));
    const rule = asks(questions('release', true));
    expect(rule.length).toBeGreaterThan(0);
    expect(rule.every((p) => p.answer === 'no')).toBe(true);
    expect(asks(questions('release', true, 300, false))).toEqual([]);
  });

  it('release, paired: the difference answer in the published wording', () => {
    const diffs = questions('release', true, 60).filter((p) => p.question_type === 'difference');
    const answers = new Set(diffs.map((p) => p.answer));
    expect(answers.size).toBeGreaterThan(1); // the main study's findings come in random order
    for (const a of answers) {
      expect(a).toMatch(
        /^the level of edema has changed from mild to moderate\. the main image has additional findings of /,
      );
      expect(a).toMatch(/, and [a-z ]+ than the reference image\. $/);
      expect(a.split(',').length).toBe(3);
    }
  });

  it('release, separate layout: post-locations are folded into the location, as the published Medical-CXR-VQA reads KeyInfo', () => {
    const pairs = questions('release', false, 100);
    expect(pairs.some((p) => p.question === 'what abnormalities are seen in the left lung base?')).toBe(true);
    expect(pairs.some((p) => p.answer === 'the left lung base')).toBe(false);
    expect(pairs.some((p) => p.provenance.template.includes('post_location'))).toBe(false);
  });

  it('improved style: the places change nothing (the same pairs as from the folded KeyInfo alone)', () => {
    const file = ruleFile();
    const withPlaces: StandardizedRecord[] = readKeyInfoFile(file, 'improved').map((r) => ({ ...r, cycle: 0 }));
    const folded = withPlaces.map(({ places: _p, ...r }) => r);
    const dicts = buildFrequencyDicts(folded.map((r) => r.keyinfo));
    for (let seed = 0; seed < 30; seed++) {
      const p = params({ seed, pairedLayout: true });
      const a = generateQuestions(withPlaces, INDEX, dicts, p, DISEASES, undefined, 'improved', POSTS).pairs;
      const b = generateQuestions(folded, INDEX, dicts, p, DISEASES, undefined, 'improved').pairs;
      expect(a).toEqual(b);
    }
  });

  it('a finding missing from the main study is named unless its pneumonia/infection partner is there', () => {
    const e = (name: string): PreparedEntity => ({
      name,
      official: null,
      raw: [name],
      location: null,
      level: null,
      type: null,
    });
    // the reference has both, the main study neither: both are missing (the published test dropped both)
    const both = diffDifference([e('edema')], [e('pneumonia'), e('infection')], new Rng(1));
    expect(both.answer).toBe(
      'the main image has an additional finding of edema than the reference image. the main image is missing the findings of pneumonia, and infection than the reference image. ',
    );
    // infection in the main study stands for the reference's pneumonia: neither added nor missing
    expect(diffDifference([e('infection')], [e('pneumonia')], new Rng(1)).answer).toBe('nothing has changed.');
  });
});
