import { describe, expect, it } from 'vitest';
import { extractReference } from '../../src/pipeline/rules/extract.js';
import { defaultLibs } from '../../src/pipeline/rules/libs.js';
import { splitSentences } from '../../src/pipeline/rules/text.js';

// Issue 16: rules that hold on reports nobody here has read. Every sentence below is written for the test.
const libs = defaultLibs();
const run = (text: string) => extractReference({ study_id: '1', subject_id: '9', text }, libs, { likely: 'uncertain' });
const pos = (text: string) => Object.keys(run(text).entity).sort();
const unc = (text: string) => [...run(text).uncertain_entity].sort();
const neg = (text: string) => [...run(text).no_entity].sort();

describe('vocabulary by structure', () => {
  it('reads adjective forms as the finding', () => {
    expect(pos('Mildly scoliotic thoracic spine.')).toEqual(['scoliosis']);
    expect(pos('Arthritic acromioclavicular joints.')).toEqual(['degenerative change']);
    expect(pos('Deformed left clavicle.')).toEqual(['deformity']);
    expect(pos('The thoracic aorta is atherosclerotic.')).toEqual(['atherosclerosis']);
    expect(pos('Osteopenic bones.')).toEqual(['osteopenia']);
  });
  it('reads both word orders with a bounded gap', () => {
    expect(pos('The heart is borderline in size.')).toEqual(['cardiomegaly']);
    expect(pos('Borderline enlarged heart.')).toEqual(['cardiomegaly']);
    expect(pos('The right hemidiaphragm remains elevated.')).toEqual(['elevated hemidiaphragm']);
    expect(pos('Elevated left hemidiaphragm.')).toEqual(['elevated hemidiaphragm']);
    expect(pos('The mediastinum is widened.')).toEqual(['widened mediastinum']);
    expect(pos('Mildly ectatic thoracic aorta.')).toEqual(['tortuosity of the thoracic aorta']);
  });
  it('maps vascular descriptors to vascular congestion', () => {
    expect(pos('Mild pulmonary vascular prominence.')).toEqual(['vascular congestion']);
    expect(pos('The pulmonary vasculature is engorged.')).toEqual(['vascular congestion']);
    expect(pos('Indistinct pulmonary vascular margins.')).toEqual(['vascular congestion']);
  });
  it('reads decreased lung volumes, pleural capping, spine degeneration, lucency, widening', () => {
    expect(pos('Decreased lung volumes.')).toEqual(['low lung volume']);
    expect(pos('Bilateral apical pleural capping.')).toEqual(['pleural thickening']);
    expect(pos('Thickening of the minor fissure.')).toEqual(['pleural thickening']);
    expect(pos('Degenerative disc disease of the lower thoracic spine.')).toEqual(['degenerative change']);
    expect(pos('Spurring along the lower thoracic vertebral bodies.')).toEqual(['degenerative change']);
    expect(pos('A small lucency projects over the left fourth rib.')).toEqual(['lucency']);
    expect(pos('Widening of the mediastinum.')).toEqual(['widened mediastinum']);
    expect(pos('Diffuse demineralization of the bones.')).toEqual(['osteopenia']);
  });
});

describe('more vocabulary', () => {
  it('reads chest wall shapes, gallstones, cystic fibrosis and a prominent interstitium', () => {
    expect(pos('Mild pectus excavatum.')).toEqual(['pectus excavatum']);
    expect(pos('Pectus carinatum.')).toEqual(['pectus carinatum']);
    expect(pos('Calcified gallstones in the right upper quadrant.')).toEqual(['cholelithiasis']);
    expect(pos('Changes of cystic fibrosis in both upper lobes.')).toEqual(['cystic fibrosis']);
    expect(pos('The interstitium is diffusely prominent.')).toEqual(['interstitial lung disease']);
  });
  it('"low normal" lung volumes are normal', () => {
    expect(pos('Lung volumes are low normal on this view.')).toEqual([]);
    expect(pos('The lung volumes are low.')).toEqual(['low lung volume']);
  });
});

describe('non-finding contexts', () => {
  it('"maybe" and "unclear whether" are hedges', () => {
    expect(unc('Maybe a small left effusion.')).toEqual(['pleural effusion']);
    expect(unc('It is unclear whether this represents pericardial effusion.')).toEqual(['pericardial effusion']);
  });
  it('a question is uncertain, a question mark after a word still ends the sentence', () => {
    expect(unc('Left basilar opacity, ? pneumonia.')).toEqual(['pneumonia']);
    expect(unc('?Edema.')).toEqual(['edema']);
    expect(splitSentences('Is there edema? No.').map((s) => s.text.trim())).toEqual(['Is there edema?', 'No.']);
    expect(splitSentences('Any edema ?\nNo.').map((s) => s.text.trim())).toEqual(['Any edema ?', 'No.']);
  });
  it('a request to check for X is uncertain', () => {
    expect(unc('Correlate clinically for pneumonia.')).toEqual(['pneumonia']);
    expect(unc('Please correlate for rib fracture.')).toEqual(['fracture']);
  });
  it('a limited evaluation for X is uncertain', () => {
    expect(unc('Evaluation for small pneumothorax is limited on this supine film.')).toEqual(['pneumothorax']);
  });
  it('"X may not be demonstrated" is uncertain, not negative', () => {
    expect(unc('A nondisplaced rib fracture may not be demonstrated on this view.')).toEqual(['fracture']);
  });
  it('"X is another consideration" / "in the differential" is uncertain', () => {
    expect(unc('Early pneumonia is another consideration.')).toEqual(['pneumonia']);
    expect(unc('Edema remains in the differential.')).toEqual(['edema']);
  });
  it('"history of X" is not a finding of this study, unless the image shows it', () => {
    const r = run('History of pneumonia.');
    expect([r.entity, r.uncertain_entity, r.no_entity]).toEqual([{}, [], []]);
    expect(pos('Hyperexpanded lungs consistent with history of emphysema.')).toEqual(['emphysema', 'hyperinflation']);
  });
});

describe('hedges and negation scope', () => {
  it('a hedge with an adverb inside is a hedge', () => {
    expect(unc('Small pleural effusion cannot be entirely excluded.')).toEqual(['pleural effusion']);
    expect(unc('We cannot completely exclude a subtle pneumothorax.')).toEqual(['pneumothorax']);
  });
  it('"indeterminate" about age or character is not a hedge', () => {
    expect(pos('Age-indeterminate fracture of the left seventh rib.')).toEqual(['fracture']);
    expect(pos('Right rib fracture of indeterminate age.')).toEqual(['fracture']);
    expect(pos('Nodule of indeterminate character in the left lung.')).toEqual(['nodule']);
    expect(unc('Indeterminate opacity at the right base.')).toEqual(['opacity']);
  });
  it('"versus" hedges only its neighbours', () => {
    const r = run('Patchy left basilar opacity, atelectasis versus pneumonia.');
    expect(Object.keys(r.entity)).toEqual(['opacity']);
    expect(r.uncertain_entity.sort()).toEqual(['atelectasis', 'pneumonia']);
  });
  it('"without (significant) (interval) change" does not negate', () => {
    expect(pos('Cardiomegaly without significant interval change.')).toEqual(['cardiomegaly']);
    expect(pos('Right pleural effusion without change.')).toEqual(['pleural effusion']);
    expect(pos('Without significant change in the left basilar atelectasis.')).toEqual(['atelectasis']);
  });
  it('a negation ends at "with"', () => {
    const r = run('No pleural effusion, with mild bibasilar atelectasis.');
    expect(r.no_entity).toEqual(['pleural effusion']);
    expect(Object.keys(r.entity)).toEqual(['atelectasis']);
    expect(neg('No findings consistent with pneumonia.')).toEqual(['pneumonia']);
  });
  it('a negation ends at a comma followed by a new subject, not at a list comma', () => {
    const r = run('No pneumothorax, the heart is mildly enlarged.');
    expect(r.no_entity).toEqual(['pneumothorax']);
    expect(Object.keys(r.entity)).toEqual(['cardiomegaly']);
    expect(neg('No pneumothorax, pleural effusion, or consolidation is seen.')).toEqual([
      'consolidation',
      'pleural effusion',
      'pneumothorax',
    ]);
  });
});

describe('entity boundaries', () => {
  it('a non-calcified nodule is a nodule, never a granuloma', () => {
    expect(pos('Non-calcified nodule in the right upper lobe.')).toEqual(['nodule']);
    expect(pos('A 6 mm noncalcified pulmonary nodule.')).toEqual(['nodule']);
  });
  it('a size inside the gap does not break the phrase', () => {
    expect(pos('7 mm calcified granuloma in the left lower lobe.')).toEqual(['granuloma']);
    expect(pos('Calcified 5 mm granuloma in the left lower lobe.')).toEqual(['granuloma']);
  });
  it('a broken device is not a bone fracture', () => {
    expect(pos('Catheter fracture with a fragment in the right atrium.')).toEqual([]);
    expect(pos('Fractured sternal wire, unchanged.')).toEqual([]);
    expect(pos('Fracture of the right clavicle.')).toEqual(['fracture']);
  });
  it('kyphosis is not scoliosis', () => {
    expect(pos('Marked kyphosis of the thoracic spine.')).toEqual(['kyphosis']);
  });
  it('aortic atherosclerotic calcification is atherosclerosis, not a calcification', () => {
    expect(pos('Scattered atherosclerotic calcification along the aortic arch.')).toEqual(['atherosclerosis']);
    expect(pos('Atherosclerotic vascular calcifications.')).toEqual(['atherosclerosis']);
    expect(pos('Calcification of the aortic knob.')).toEqual(['calcification']);
  });
});

describe('locations', () => {
  it('keeps a location written before a multi-word finding', () => {
    expect(run('Right lower lobe airspace disease.').entity['opacity']?.location).toEqual(['right', 'lower lung']);
    expect(run('Left basilar pleural thickening.').entity['pleural thickening']?.location).toEqual(['left', 'basilar']);
  });
  it('keeps multi-lobe phrases', () => {
    expect(run('Opacity in the right lower and middle lobes.').entity['opacity']?.post_location).toBe(
      'the right lower and middle lungs',
    );
    expect(run('Atelectasis in the left upper and lingular lobes.').entity['atelectasis']?.post_location).toBe(
      'the left upper and lingular lungs',
    );
  });
});
