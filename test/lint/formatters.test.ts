import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FOLDERS = ['src/cli', 'src/present', 'src/pipeline/report'];
/** Where the formats are defined (and re-exported): the only places allowed to spell them out. */
const DEFINED = new Set(['src/present/format.ts', 'src/pipeline/util/format.ts']);
/** Ad-hoc number, share and duration formatting that bypasses the one format (1,234 · 12.3% · 5m12s). */
const AD_HOC = [/\.toLocaleString\(/, /toFixed\(1\)\}%/, /\/ 1000\)\.toFixed\(/, /\bfunction formatDuration\b/];

function files(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    return e.isDirectory() ? files(rel) : /\.tsx?$/.test(e.name) ? [rel] : [];
  });
}

describe('one number and duration format', () => {
  it('the CLI, the shared view models and the run report format numbers, shares and durations only through format.ts', () => {
    const offenders = FOLDERS.flatMap(files)
      .filter((f) => !DEFINED.has(f))
      .flatMap((f) => {
        const text = fs.readFileSync(path.join(ROOT, f), 'utf8');
        return AD_HOC.filter((re) => re.test(text)).map((re) => `${f}: ${re.source}`);
      });
    expect(offenders).toEqual([]);
  });
});
