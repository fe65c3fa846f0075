import fs from 'node:fs';
import path from 'node:path';

/** The header of a person's own export: no column has the name cxrvqa reads by default. */
export const OWN_HEADER = ['Report ID', 'Patient', 'Exam date', 'Projection', 'Findings text', 'Site'];

// Made-up findings (no dataset text), each seen often enough to pass the low-frequency filter.
const FINDINGS = [
  'There is a small left pleural effusion.',
  'Mild cardiomegaly is present.',
  'Right basilar atelectasis is seen.',
  'Moderate pulmonary edema.',
  'No pleural effusion or pneumothorax.',
];
// Free-text views as exports carry them, one of them unreadable.
const VIEWS = ['Xray Chest PA and Lateral', 'AP portable upright', 'CHEST 2V FRONTAL/LATERAL', 'PA', 'see report'];

const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/**
 * Write `n` rows of a CSV with non-standard column names and free-text views; returns its path.
 * `viewColumn` renames the view column (to one no guess finds, so the mapping must be edited).
 */
export function writeOwnCsv(dir: string, n = 40, name = 'my-reports.csv', viewColumn = 'Projection'): string {
  const rows = [OWN_HEADER.map((h) => (h === 'Projection' ? viewColumn : h)).join(',')];
  for (let i = 0; i < n; i++) {
    const text = `FINDINGS: ${FINDINGS[i % FINDINGS.length]} IMPRESSION: Finding number ${i}.`;
    const date = `2024-01-${String((i % 28) + 1).padStart(2, '0')}`;
    rows.push([`R${1000 + i}`, `P${i % 13}`, date, VIEWS[i % VIEWS.length]!, text, 'north'].map(quote).join(','));
  }
  const file = path.join(dir, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, rows.join('\n') + '\n');
  return file;
}
