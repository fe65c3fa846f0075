import fs from 'node:fs';
import path from 'node:path';
import type { Run } from '../store/run.js';
import { collectRunReport } from './collect.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';

/** Writes `<out>.html` and `<out>.md` (default `<run>/report/report.*`) and returns their paths. */
export async function writeRunReport(run: Run, out?: string): Promise<{ html: string; markdown: string }> {
  const html = path.resolve(out ?? path.join(run.dir, 'report', 'report.html'));
  const markdown = html.replace(/\.html?$/i, '') + '.md';
  const data = await collectRunReport(run);
  fs.mkdirSync(path.dirname(html), { recursive: true });
  fs.writeFileSync(html, renderHtml(data));
  fs.writeFileSync(markdown, renderMarkdown(data));
  return { html, markdown };
}
