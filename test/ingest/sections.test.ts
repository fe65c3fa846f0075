import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { paragraphs, ruleCut, selectSections } from '../../src/pipeline/ingest/sections.js';

const at = (text: string, cut: { text: string; offset: number }) =>
  text.slice(cut.offset, cut.offset + cut.text.length);

describe('selectSections (LLM form, docs/method.md §2)', () => {
  it('takes everything from FINDINGS: to the end, impression included', () => {
    const text = 'EXAMINATION: CHEST\n\nINDICATION: cough\n\nFINDINGS: Small left effusion.\n\nIMPRESSION: Effusion.\n';
    const cut = selectSections(text);
    expect(cut.text).toBe('FINDINGS: Small left effusion.\n\nIMPRESSION: Effusion.');
    expect(cut.offset).toBe(text.indexOf('FINDINGS:'));
    expect(at(text, cut)).toBe(cut.text);
  });

  it('without FINDINGS takes the longest paragraph free of header words', () => {
    const text =
      'INDICATION: a very long indication paragraph that is longer than anything else here\n \nShort one.\n\nThe heart is mildly enlarged without edema.\n';
    const cut = selectSections(text);
    expect(cut.text).toBe('The heart is mildly enlarged without edema.');
    expect(at(text, cut)).toBe(cut.text);
  });

  it('skips paragraphs naming WET READ, EXAM, COMPARISON or HISTORY', () => {
    const long = 'x'.repeat(80);
    for (const marker of ['WET READ', 'EXAM', 'COMPARISON', 'HISTORY', 'INDICATION']) {
      const text = `${marker}: ${long}\n\nLungs are clear.`;
      expect(selectSections(text).text).toBe('Lungs are clear.');
    }
  });

  it('among equally long paragraphs keeps the earlier one', () => {
    expect(selectSections('Lungs clear A.\n\nLungs clear B.').text).toBe('Lungs clear A.');
  });

  it('uses the whole text when no paragraph qualifies', () => {
    const text = 'WET READ: prelim\n\nINDICATION: cough';
    expect(selectSections(text)).toEqual({ text, offset: 0 });
  });

  it('uses the impression when the chosen paragraph lies inside it', () => {
    const text = 'INDICATION: cough\n\nIMPRESSION:\n\nNew right lower lobe consolidation.';
    const cut = selectSections(text);
    expect(cut.text).toBe('New right lower lobe consolidation.');
    expect(at(text, cut)).toBe(cut.text);
  });

  it('keeps the paragraph when the impression lies inside it', () => {
    const text = 'Mild cardiomegaly. No acute process today.\n\nIMPRESSION: No acute process today.';
    expect(selectSections(text).text).toBe('Mild cardiomegaly. No acute process today.');
  });

  it('appends the impression on a new line otherwise (offset -1: assembled)', () => {
    const text = 'The lungs are hyperinflated but clear of any focal opacity.\n\nIMPRESSION: Emphysema.';
    expect(selectSections(text)).toEqual({
      text: 'The lungs are hyperinflated but clear of any focal opacity.\nEmphysema.',
      offset: -1,
    });
  });

  it('keeps a chosen paragraph that itself holds the impression', () => {
    const text = 'INDICATION: x\n\nIMPRESSION: Stable small left pleural effusion with atelectasis.';
    expect(selectSections(text).text).toBe('IMPRESSION: Stable small left pleural effusion with atelectasis.');
  });

  it('splits on blank lines that contain spaces (MIMIC style)', () => {
    expect(paragraphs(' A line\n \n B line\n').map((p) => p.text)).toEqual(['A line', 'B line']);
  });

  it('maps every non-assembled cut back into the text (property)', () => {
    const piece = fc.constantFrom(
      'FINDINGS:',
      'IMPRESSION:',
      'INDICATION:',
      'WET READ',
      'Lungs clear.',
      'Small effusion',
      '\n',
      '\n \n',
      ' ',
      'x',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (parts) => {
        const text = parts.join('');
        for (const cut of [selectSections(text), ruleCut(text)]) {
          if (cut.offset >= 0) expect(at(text, cut)).toBe(cut.text);
        }
      }),
    );
  });
});

describe('ruleCut (rule form, docs/method.md §2)', () => {
  it('cuts from FINDINGS:', () => {
    const text = 'INDICATION: x\nFINDINGS: a\nIMPRESSION: b';
    expect(ruleCut(text)).toEqual({ text: 'FINDINGS: a\nIMPRESSION: b', offset: text.indexOf('FINDINGS:') });
  });
  it('else from IMPRESSION:', () => {
    const text = 'INDICATION: x\nIMPRESSION: b\n';
    expect(ruleCut(text)).toEqual({ text: 'IMPRESSION: b', offset: text.indexOf('IMPRESSION:') });
  });
  it('else the whole text', () => {
    expect(ruleCut('No acute process.')).toEqual({ text: 'No acute process.', offset: 0 });
  });
});

describe('selectSections by style', () => {
  const text = 'The lungs are hyperinflated but clear of any focal opacity.\n\nIMPRESSION: Emphysema.';
  it('release keeps the IMPRESSION: header in the model input; improved drops it', () => {
    expect(selectSections(text).text).toBe('The lungs are hyperinflated but clear of any focal opacity.\nEmphysema.');
    expect(selectSections(text, 'release').text).toBe(
      'The lungs are hyperinflated but clear of any focal opacity.\nIMPRESSION: Emphysema.',
    );
  });
  it('release uses the impression with its header when the chosen paragraph lies inside it', () => {
    const t = 'INDICATION: cough\n\nIMPRESSION:\n\nNew right lower lobe consolidation.';
    expect(selectSections(t, 'release').text).toBe('IMPRESSION:\n\nNew right lower lobe consolidation.');
  });
});
