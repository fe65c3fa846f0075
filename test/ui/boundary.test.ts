import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

function files(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

const SOURCE = /\.(ts|tsx|js|mjs)$/;
// Static, dynamic, side-effect and type-only imports and re-exports (`export … from`).
const IMPORT = /(?:from\s+|import\s*\(\s*|require\s*\(\s*|import\s+)['"]([^'"]+)['"]/g;

function specifiers(src: string): string[] {
  return [...src.matchAll(IMPORT)].map((m) => m[1]!);
}

const abs = (p: string) => path.resolve(p);
const FACADE = abs('src/pipeline/index.ts');
const under = (file: string, dir: string) => file === abs(dir) || file.startsWith(abs(dir) + path.sep);

/** Where a relative import lands, as a source file path (`.js` in ESM specifiers is the `.ts`/`.tsx` source). */
function target(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const resolved = path.resolve(path.dirname(from), spec);
  const base = resolved.replace(/\.js$/, '');
  for (const candidate of [`${base}.ts`, `${base}.tsx`, path.join(resolved, 'index.ts')])
    if (fs.existsSync(candidate)) return candidate;
  return base;
}

/** Rule broken by one import of a front-end or presentation file, or null. */
function frontEndViolation(from: string, to: string): string | null {
  const inUi = under(from, 'src/ui');
  const inPresent = under(from, 'src/present');
  if (under(to, 'src/pipeline') && to !== FACADE) return 'reaches into the pipeline past src/pipeline/index.ts';
  if (inUi && (under(to, 'src/cli') || to === abs('src/cli.ts'))) return 'ui imports cli';
  if (inPresent && (under(to, 'src/ui') || under(to, 'src/cli') || to === abs('src/cli.ts')))
    return 'present imports a front end';
  return null;
}

function frontEndOffenders(fileList: string[]): string[] {
  const offenders: string[] = [];
  for (const f of fileList) {
    for (const spec of specifiers(fs.readFileSync(f, 'utf8'))) {
      const to = target(f, spec);
      const why = to ? frontEndViolation(f, to) : null;
      if (why) offenders.push(`${path.relative('.', f)} imports ${spec}: ${why}`);
    }
  }
  return offenders;
}

describe('layering', () => {
  it('src/pipeline never imports src/ui, src/cli, src/present, ink or react', () => {
    const root = path.resolve('src/pipeline');
    const offenders: string[] = [];
    for (const f of files(root).filter((x) => SOURCE.test(x))) {
      for (const s of specifiers(fs.readFileSync(f, 'utf8'))) {
        const resolved = s.startsWith('.') ? path.resolve(path.dirname(f), s) : s;
        const upward =
          ['src/ui', 'src/cli', 'src/present'].some((d) => resolved.startsWith(path.resolve(d))) ||
          resolved.replace(/\.js$/, '') === path.resolve('src/cli');
        if (/^(ink|react|ink-[\w-]+)(\/|$)/.test(s) || upward) offenders.push(`${path.relative('.', f)} imports ${s}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('src/cli, src/ui, src/present and src/cli.ts use only the pipeline facade; ui never imports cli', () => {
    const front = ['src/cli', 'src/ui', 'src/present']
      .flatMap((d) => files(path.resolve(d)))
      .filter((x) => SOURCE.test(x));
    expect(front.length).toBeGreaterThan(20);
    expect(frontEndOffenders([...front, path.resolve('src/cli.ts')])).toEqual([]);
  });

  it('src/present imports nothing of the repository but the facade and itself', () => {
    const offenders: string[] = [];
    for (const f of files(path.resolve('src/present')).filter((x) => SOURCE.test(x))) {
      for (const spec of specifiers(fs.readFileSync(f, 'utf8'))) {
        const to = target(f, spec);
        if (to && to !== FACADE && !under(to, 'src/present'))
          offenders.push(`${path.relative('.', f)} imports ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('the check itself catches an offending import', () => {
    const src =
      "import { App } from '../../ui/App.js';\nimport { Box } from 'ink';\nimport type { Run } from '../../pipeline/store/run.js';\nexport { x } from './y.js';";
    expect(specifiers(src)).toEqual(['../../ui/App.js', 'ink', '../../pipeline/store/run.js', './y.js']);
    const ui = abs('src/ui/progress/Progress.tsx');
    expect(frontEndViolation(ui, target(ui, '../../cli/format.js')!)).toBe('ui imports cli');
    expect(frontEndViolation(ui, target(ui, '../../pipeline/store/run.js')!)).toMatch(/past src\/pipeline\/index\.ts/);
    expect(frontEndViolation(ui, target(ui, '../../pipeline/index.js')!)).toBeNull();
    expect(frontEndViolation(ui, target(ui, '../../present/progress.js')!)).toBeNull();
    const present = abs('src/present/progress.ts');
    expect(frontEndViolation(present, target(present, '../ui/App.js')!)).toBe('present imports a front end');
    const cli = abs('src/cli/commands/stats.ts');
    expect(frontEndViolation(cli, target(cli, '../../pipeline/questions/stats.js')!)).toMatch(/past/);
    expect(frontEndViolation(cli, target(cli, '../../ui/launch.js')!)).toBeNull();
  });
});
