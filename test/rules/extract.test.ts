import { describe, expect, it } from 'vitest';
import { extractReference } from '../../src/pipeline/rules/extract.js';
import { defaultLibs } from '../../src/pipeline/rules/libs.js';
import { referenceToKeyInfo } from '../../src/pipeline/rules/toKeyInfo.js';

const libs = defaultLibs();
const run = (text: string, likely: 'positive' | 'uncertain' = 'uncertain') =>
  extractReference({ study_id: '1', subject_id: '9', text }, libs, { likely });
const pos = (text: string) => Object.keys(run(text).entity).sort();

describe('negation (§7 steps 1–2, scoped)', () => {
  it('negates every finding listed after a cue', () => {
    const r = run('FINDINGS: No evidence of pneumothorax, pleural effusion, or focal consolidation.');
    expect(r.no_entity.sort()).toEqual(['consolidation', 'pleural effusion', 'pneumothorax']);
    expect(r.entity).toEqual({});
  });
  it('splits a sentence at the cue: text before it stays positive', () => {
    const r = run('Small left pleural effusion without pneumothorax.');
    expect(Object.keys(r.entity)).toEqual(['pleural effusion']);
    expect(r.no_entity).toEqual(['pneumothorax']);
  });
  it('ends the scope at a contrastive word', () => {
    const r = run('No pneumothorax, but there is right lower lobe atelectasis.');
    expect(r.no_entity).toEqual(['pneumothorax']);
    expect(Object.keys(r.entity)).toEqual(['atelectasis']);
  });
  it('reads "no change in" as positive', () => {
    expect(pos('No change in the moderate right pleural effusion.')).toEqual(['pleural effusion']);
    expect(pos('Stable cardiomegaly. Persistent left basilar atelectasis is unchanged.')).toEqual([
      'atelectasis',
      'cardiomegaly',
    ]);
  });
  it('reads resolved and no-longer-seen findings as negative', () => {
    expect(run('The left pleural effusion has resolved.').no_entity).toEqual(['pleural effusion']);
    expect(run('Pneumothorax is no longer seen.').no_entity).toEqual(['pneumothorax']);
    expect(run('Interval resolution of pulmonary edema.').no_entity).toEqual(['edema']);
  });
  it('negates a gapped mention that contains "not"', () => {
    const r = run('The heart is not enlarged.');
    expect(r.no_entity).toEqual(['cardiomegaly']);
  });
  it('keeps a positive statement over a negative one elsewhere in the report', () => {
    const r = run('No new consolidation. Stable right lower lobe consolidation.');
    expect(Object.keys(r.entity)).toEqual(['consolidation']);
    expect(r.no_entity).toEqual([]);
  });
});

describe('hedging', () => {
  it('puts hedged findings in uncertain_entity', () => {
    const r = run('Possible small right pneumothorax.');
    expect(r.uncertain_entity).toEqual(['pneumothorax']);
    expect(r.entity).toEqual({});
  });
  it('applies a trailing hedge to every finding of the list', () => {
    expect(run('Atelectasis or pneumonia cannot be excluded.').uncertain_entity.sort()).toEqual([
      'atelectasis',
      'pneumonia',
    ]);
  });
  it('hedges both sides of "versus"', () => {
    expect(run('Atelectasis versus consolidation at the right base.').uncertain_entity.sort()).toEqual([
      'atelectasis',
      'consolidation',
    ]);
  });
  it('keeps a negation when a weak hedge follows it', () => {
    expect(run('No focal opacity to suggest pneumonia.').no_entity.sort()).toEqual(['opacity', 'pneumonia']);
  });
  it('reads "likely" as configured', () => {
    expect(run('Bibasilar opacities likely atelectasis.', 'uncertain').uncertain_entity).toEqual(['atelectasis']);
    expect(Object.keys(run('Bibasilar opacities likely atelectasis.', 'positive').entity).sort()).toEqual([
      'atelectasis',
      'opacity',
    ]);
  });
});

describe('attributes (§7 steps 4–6)', () => {
  it('takes pre attributes from the words before the finding', () => {
    const e = run('Small left pleural effusion.').entity['pleural effusion']!;
    expect(e.level).toEqual(['small']);
    expect(e.location).toEqual(['left']);
  });
  it('keeps words in text order and reads attribute words inside the mention', () => {
    const g = run('Calcified left upper lobe granuloma.').entity['granuloma']!;
    expect(g.type).toEqual(['calcified']);
    expect(g.location).toEqual(['left', 'upper', 'lung']);
    expect(run('Right upper lobe nodule.').entity['nodule']!.location).toEqual(['right', 'upper lung']);
    expect(run('Mild interstitial edema.').entity['edema']!.type).toEqual(['interstitial']);
  });
  it('discards pre text ending in a preposition', () => {
    const e = run('Opacity in the right upper lobe and effusion.').entity['pleural effusion']!;
    expect(e.location).toEqual([]);
  });
  it('finds a post location and rewrites it with the position changes', () => {
    expect(run('Patchy opacity in the left lower lobe.').entity['opacity']!.post_location).toBe('the left lower lung');
    expect(run('Atelectasis at the right base.').entity['atelectasis']!.post_location).toBe('the right lung base');
    expect(run('Left-sided pleural effusion.').entity['pleural effusion']!.location).toEqual(['left']);
  });
  it('stores a repeat on another side as the second instance', () => {
    const e = run('Small left pleural effusion. Moderate right pleural effusion.').entity['pleural effusion']!;
    expect(e.location).toEqual(['left']);
    expect(e.location2).toEqual(['right']);
    expect(e.level2).toEqual(['moderate']);
    expect(e.evidence).toHaveLength(2);
  });
  it('keeps the instance with more attributes when the side is the same', () => {
    const e = run('Pleural effusion. Small layering pleural effusion.').entity['pleural effusion']!;
    expect(e.level).toEqual(['small']);
    expect(e.type).toEqual(['layering']);
    expect(e.location2).toBeNull();
  });
});

describe('§12 boundary fixes', () => {
  it('does not read "left" inside "cleft" or "in" inside "minimal"', () => {
    const e = run('Cleft atelectasis.').entity['atelectasis']!;
    expect(e.location).toEqual([]);
    expect(run('Minimal atelectasis.').entity['atelectasis']!.level).toEqual(['minimal']);
  });
  it('counts "enlarged" as cardiomegaly only in a cardiac context', () => {
    expect(pos('The spleen is enlarged.')).toEqual([]);
    expect(pos('The heart size is mildly enlarged.')).toEqual(['cardiomegaly']);
    expect(pos('Enlarged cardiac silhouette.')).toEqual(['cardiomegaly']);
  });
  it('does not match a variant inside a longer word', () => {
    expect(pos('Hernias are rare; the patient has a collapsed umbrella.')).toEqual(['hernia']);
    expect(pos('Noneffusion text and hypoxemiatic tokens.')).toEqual([]);
  });
  it('finds a finding nested inside a gapped one', () => {
    expect(pos('Tortuous calcified aorta.')).toEqual(['calcification', 'tortuosity of the thoracic aorta']);
    expect(pos('Calcified left upper lobe granuloma.')).toEqual(['granuloma']);
  });
  it('does not read the history section when the report has no FINDINGS/IMPRESSION', () => {
    const text =
      'CLINICAL HISTORY: Chest tube placement for pneumothorax.\n\nCOMPARISON: None.\n\nLeft chest tube in place. Small pleural effusion.';
    expect(pos(text)).toEqual(['pleural effusion']);
  });
});

describe('evidence spans', () => {
  it('maps every span to the full report text', () => {
    const text =
      'EXAMINATION: Chest.\n\nFINDINGS: Small left pleural effusion. No pneumothorax.\n\nIMPRESSION: Possible pneumonia.';
    const r = run(text);
    const all = [
      ...Object.values(r.entity).flatMap((e) => e.evidence),
      ...Object.values(r.no_entity_evidence).flat(),
      ...Object.values(r.uncertain_evidence).flat(),
    ];
    expect(all).toHaveLength(3);
    for (const ev of all) {
      expect(ev.start).toBeGreaterThanOrEqual(0);
      expect(text.slice(ev.start, ev.end)).toBe(ev.text);
    }
    expect(r.entity['pleural effusion']!.evidence[0]!.text).toBe('pleural effusion');
    // Sentence indexes count within the rule text (from FINDINGS:).
    expect(r.no_entity_evidence['pneumothorax']![0]!.sentence).toBe(1);
  });
  it('uses rule_offset from the report record', () => {
    const text = 'HISTORY: x.\nFINDINGS: Mild pulmonary edema.';
    const off = text.indexOf('FINDINGS:');
    const r = extractReference({ study_id: '2', text, rule_text: text.slice(off), rule_offset: off }, libs);
    const ev = r.entity['edema']!.evidence[0]!;
    expect(text.slice(ev.start, ev.end)).toBe('pulmonary edema');
  });
});

describe('referenceToKeyInfo', () => {
  it('joins attribute words, puts hedged and negated names in their lists', () => {
    const ki = referenceToKeyInfo(
      run(
        'Small left pleural effusion. Moderate right pleural effusion. Patchy opacity in the left lower lobe. Possible pneumonia. No pneumothorax.',
      ),
    );
    expect(ki.entity['pleural effusion']).toEqual({ location: 'left, right', level: 'small, moderate', type: null });
    expect(ki.entity['opacity']).toEqual({ location: 'left lower lung', level: null, type: 'patchy' });
    expect(ki.opacity_vs_clear.opacity).toEqual(ki.entity['opacity']);
    expect(ki.uncertain_entity).toEqual({ pneumonia: { location: null, level: null, type: null } });
    expect(ki.no_entity).toEqual(['pneumothorax']);
  });
});
