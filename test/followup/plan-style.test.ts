import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { planQuestions } from '../../src/pipeline/followup/plan.js';
import { loadQuestionTemplate } from '../../src/pipeline/followup/prompts.js';
import { ReferenceRecordSchema } from '../../src/pipeline/schemas/reference.js';
import type { Style } from '../../src/pipeline/schemas/style.js';
import { makeTempDir } from '../helpers/tmp.js';
import { keyInfo, reference } from './fixtures.js';

const plan = (llm: unknown, pos: string[], neg: string[], style: Style) =>
  planQuestions(llm, reference('s1', pos, neg), undefined, style).map((q) => `${q.polarity}:${q.entity}`);

describe('follow-up questions by style', () => {
  it('an opacity positive is asked in improved, never in release', () => {
    expect(plan(keyInfo(), ['lung opacity', 'edema'], [], 'improved')).toEqual(['positive:opacity', 'positive:edema']);
    expect(plan(keyInfo(), ['lung opacity', 'edema'], [], 'release')).toEqual(['positive:edema']);
  });

  it('release asks with the reference name; improved with the readable one; presence is tested the same', () => {
    expect(plan(keyInfo(), ['blunting of the costophrenic angle'], [], 'improved')).toEqual([
      'positive:pleural effusion',
    ]);
    expect(plan(keyInfo(), ['blunting of the costophrenic angle'], [], 'release')).toEqual([
      'positive:blunting of the costophrenic angle',
    ]);
    // A record holding "effusion" has it in both styles.
    for (const style of ['improved', 'release'] as const)
      expect(plan(keyInfo(['effusion']), ['blunting of the costophrenic angle'], [], style)).toEqual([]);
  });

  it('a cardiomegaly the report named "enlargement of the cardiac silhouette" is asked by that name in release', () => {
    const ref = ReferenceRecordSchema.parse({
      study_id: 's1',
      subject_id: 'p1',
      entity: {
        cardiomegaly: {
          entity_name: 'cardiomegaly',
          evidence: [{ sentence: 0, start: 0, end: 37, text: 'Enlargement of the cardiac silhouette' }],
        },
      },
    });
    const asked = (style: Style) => planQuestions(keyInfo(), ref, undefined, style).map((q) => q.entity);
    expect(asked('improved')).toEqual(['cardiomegaly']);
    expect(asked('release')).toEqual(['enlargement of the cardiac silhouette']);
    // The model's "cardiomegaly" is the same finding: nothing to ask in either style.
    expect(planQuestions(keyInfo(['cardiomegaly']), ref, undefined, 'release')).toEqual([]);
  });

  it('release asks the first question, then the rest from the last one back; improved in reference order', () => {
    const pos = ['edema', 'atelectasis', 'pneumothorax'];
    const neg = ['consolidation'];
    expect(plan(keyInfo(), pos, neg, 'improved')).toEqual([
      'negative:consolidation',
      'positive:edema',
      'positive:atelectasis',
      'positive:pneumothorax',
    ]);
    const release = planQuestions(keyInfo(), reference('s1', pos, neg), undefined, 'release');
    expect(release.map((q) => `${q.polarity}:${q.entity}`)).toEqual([
      'negative:consolidation',
      'positive:pneumothorax',
      'positive:atelectasis',
      'positive:edema',
    ]);
    expect(release.map((q) => q.seq)).toEqual([0, 1, 2, 3]);
  });
});

describe('follow-up question files by style', () => {
  it('release uses the short bundled questions; an edited copy is used as given in both styles', () => {
    for (const polarity of ['positive', 'negative'] as const) {
      const id = `followup-${polarity}`;
      const release = loadQuestionTemplate(id, 'release');
      expect(release.file).toMatch(new RegExp(`${id}-release\\.txt$`));
      expect(release.text).toContain('{entity}');
      expect(release.text.length).toBeLessThan(loadQuestionTemplate(id).text.length);
    }
    const tmp = makeTempDir();
    try {
      const file = path.join(tmp.dir, 'q.txt');
      fs.writeFileSync(file, 'Any {entity}?');
      expect(loadQuestionTemplate(file, 'release').text).toBe('Any {entity}?');
    } finally {
      tmp.cleanup();
    }
  });
});
