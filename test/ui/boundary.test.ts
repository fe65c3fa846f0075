import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

describe('layering', () => {
  it('src/pipeline never imports src/ui, ink or react', () => {
    const root = path.resolve('src/pipeline');
    const offenders: string[] = [];
    for (const f of files(root).filter((x) => /\.(ts|tsx|js|mjs)$/.test(x))) {
      const src = fs.readFileSync(f, 'utf8');
      const specs = [...src.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*|import\s+)['"]([^'"]+)['"]/g)].map((m) => m[1]!);
      for (const s of specs) {
        const resolved = s.startsWith('.') ? path.resolve(path.dirname(f), s) : s;
        if (/^(ink|react|ink-[\w-]+)(\/|$)/.test(s) || resolved.startsWith(path.resolve('src/ui'))) offenders.push(`${path.relative('.', f)} imports ${s}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('the check itself catches an offending import', () => {
    const src = "import { App } from '../../ui/App.js';\nimport { Box } from 'ink';";
    const specs = [...src.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*|import\s+)['"]([^'"]+)['"]/g)].map((m) => m[1]);
    expect(specs).toEqual(['../../ui/App.js', 'ink']);
  });
});
