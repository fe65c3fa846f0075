import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { STEPS } from '../../src/pipeline/steps/registry.js';

/** The runner's own sources, and what they import (resolved to src-relative paths). */
function runnerSources(): Array<{ file: string; src: string; imports: string[] }> {
  const dir = path.resolve('src/pipeline/runner');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => {
      const file = path.join(dir, f);
      const src = fs.readFileSync(file, 'utf8');
      const imports = [...src.matchAll(/from\s+['"]([^'"]+)['"]/g)]
        .map((m) => m[1]!)
        .filter((s) => s.startsWith('.'))
        .map((s) => path.relative(path.resolve('src/pipeline'), path.resolve(dir, s)));
      return { file: path.relative('.', file), src, imports };
    });
}

describe('the runner is generic', () => {
  it('imports no step area: only the contract, the plan, the store, schemas and utilities', () => {
    const allowed = /^(runner\/|steps\/(contract|plan)\.js$|store\/|schemas\/|util\/)/;
    const offenders = runnerSources().flatMap(({ file, imports }) =>
      imports.filter((i) => !allowed.test(i)).map((i) => `${file} imports ${i}`),
    );
    expect(offenders).toEqual([]);
  });

  it('mentions no step id in its code', () => {
    const ids = STEPS.map((s) => s.id);
    const offenders = runnerSources().flatMap(({ file, src }) =>
      ids.filter((id) => new RegExp(`['"\`]${id}['"\`]`).test(src)).map((id) => `${file} names '${id}'`),
    );
    expect(offenders).toEqual([]);
  });
});
