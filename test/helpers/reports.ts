import type { ReportRecord } from '../../src/pipeline/schemas/report.js';

/** Synthetic reports written for tests (no dataset text). */
export function syntheticReports(n: number): ReportRecord[] {
  const findings = [
    'small left pleural effusion',
    'mild pulmonary edema',
    'right basilar atelectasis',
    'no pneumothorax',
    'stable cardiomegaly',
  ];
  return Array.from({ length: n }, (_, i) => {
    const text = `FINDINGS: Study ${i}. There is ${findings[i % findings.length]}. IMPRESSION: finding ${i}.`;
    return {
      study_id: `s${String(i).padStart(6, '0')}`,
      subject_id: `p${i % 97}`,
      dicom_id: null,
      view: null,
      study_order: null,
      study_date: null,
      split: null,
      source: 'test',
      text,
      selected: text,
      rule_text: text,
      selected_offset: 0,
      rule_offset: 0,
      extra: {},
    };
  });
}
