import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { JudgmentRecord } from './reviews.js';
import type { StudyDetail } from './studyIndex.js';

export interface MethodAccuracy {
  method: string;
  judged: number;
  correct: number;
  /** correct / judged, or null when nothing this method produced was judged. */
  accuracy: number | null;
}

/** Methods compared: the rules reference, the raw LLM output and the standardized KeyInfo after each cycle. */
function isMethodStage(label: string): boolean {
  return label === 'rules' || label === 'llm raw' || label.startsWith('std ');
}

/**
 * Accuracy per method = correct judgments / judged findings, over the findings
 * that method produced in the reviewed reports.
 */
export function accuracyTable(
  details: readonly StudyDetail[],
  judgments: ReadonlyMap<string, JudgmentRecord>,
): MethodAccuracy[] {
  const acc = new Map<string, { judged: number; correct: number }>();
  for (const d of details) {
    const j = judgments.get(d.id)?.judgments ?? {};
    for (const st of d.stages) {
      if (!isMethodStage(st.label) || st.findings === null) continue;
      const m = acc.get(st.label) ?? { judged: 0, correct: 0 };
      acc.set(st.label, m);
      for (const f of st.findings) {
        const v = j[f.key];
        if (!v) continue;
        m.judged++;
        if (v === 'correct') m.correct++;
      }
    }
  }
  return [...acc.entries()].map(([method, m]) => ({ method, ...m, accuracy: m.judged ? m.correct / m.judged : null }));
}

/** Write `<dir>/review.csv` (one row per judged finding) and `<dir>/review-accuracy.csv`. */
export function exportReviewCsv(
  dir: string,
  details: readonly StudyDetail[],
  judgments: ReadonlyMap<string, JudgmentRecord>,
): { file: string; rows: number } {
  const methods = [...new Set(details.flatMap((d) => d.stages.map((s) => s.label).filter(isMethodStage)))];
  const rows: string[][] = [];
  for (const d of details) {
    const rec = judgments.get(d.id);
    for (const [key, verdict] of Object.entries(rec?.judgments ?? {})) {
      const [polarity, ...name] = key.split(':');
      const produced = methods.map((m) => {
        const st = d.stages.find((s) => s.label === m);
        if (!st || st.findings === null) return '';
        return st.findings.some((f) => f.key === key) ? '1' : '0';
      });
      rows.push([d.id, name.join(':'), polarity ?? '', verdict, ...produced, rec?.note ?? '']);
    }
  }
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'review.csv');
  fs.writeFileSync(
    file,
    stringify(rows, { header: true, columns: ['study_id', 'finding', 'polarity', 'verdict', ...methods, 'note'] }),
  );
  const table = accuracyTable(details, judgments).map((m) => [
    m.method,
    String(m.judged),
    String(m.correct),
    m.accuracy === null ? '' : m.accuracy.toFixed(4),
  ]);
  fs.writeFileSync(
    path.join(dir, 'review-accuracy.csv'),
    stringify(table, { header: true, columns: ['method', 'judged', 'correct', 'accuracy'] }),
  );
  return { file, rows: rows.length };
}
