import { describe, expect, it } from 'vitest';
import { chestPartOnly } from '../../src/pipeline/ingest/sections.js';
import { extractReference } from '../../src/pipeline/rules/extract.js';
import { defaultLibs } from '../../src/pipeline/rules/libs.js';

describe('combined exams keep only the chest part', () => {
  const report =
    'FINDINGS: Chest. The heart is enlarged. No pleural effusion. Right shoulder. Fracture of the humeral neck with degenerative change.\n\nIMPRESSION: 1. Chest. Cardiomegaly. 2. Right shoulder: acute fracture.';

  it('blanks the other exam with spaces, keeping length and line breaks', () => {
    const out = chestPartOnly(report);
    expect(out.length).toBe(report.length);
    expect(out).toContain('Chest. The heart is enlarged. No pleural effusion.');
    expect(out).not.toMatch(/shoulder|humeral|acute fracture/i);
    expect(out.split('\n').length).toBe(report.split('\n').length);
  });

  it('leaves a report without another body part unchanged, rib and spine labels included', () => {
    const chestOnly = 'FINDINGS: The heart is enlarged. Ribs: old healed fracture. Spine: degenerative change.';
    expect(chestPartOnly(chestOnly)).toBe(chestOnly);
    expect(chestPartOnly('The patient has hip pain. Lungs are clear.')).toBe(
      'The patient has hip pain. Lungs are clear.',
    );
  });

  it('the rules extractor reads only the chest part, with evidence spans into the full report', () => {
    const r = extractReference({ study_id: '1', text: report }, defaultLibs());
    expect(Object.keys(r.entity)).toEqual(['cardiomegaly']);
    expect(r.no_entity).toEqual(['pleural effusion']);
    for (const ev of r.entity['cardiomegaly']!.evidence) expect(report.slice(ev.start, ev.end)).toBe(ev.text);
  });
});
