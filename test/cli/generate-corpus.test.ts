import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORPUS_USAGE, parseCorpusArgs } from '../../scripts/lib/corpusArgs.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('npm run generate:corpus arguments', () => {
  it('--help prints the usage and exits 0, no stack trace (a real process, as npm runs it)', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/generate-corpus.ts', '--help'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(r.stdout).toBe(CORPUS_USAGE);
    expect(r.stderr).not.toMatch(/\bat .+:\d+:\d+/);
    expect(r.status).toBe(0);
  });

  it('an unknown option or a bad number is one message and the usage, exit 2', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/generate-corpus.ts', '--bogus'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(r.stderr).toMatch(/^error: Unknown option '--bogus'/);
    expect(r.stderr).toContain('usage: npm run generate:corpus');
    expect(r.stderr).not.toMatch(/\bat .+:\d+:\d+/);
    expect(r.status).toBe(2);
    expect(parseCorpusArgs(['--out', 'x', '--studies', 'many'])).toEqual({
      kind: 'error',
      message: '--studies expects a whole number above 0, got "many"',
    });
    expect(parseCorpusArgs([])).toEqual({ kind: 'error', message: '--out DIR is required' });
    expect(parseCorpusArgs(['-h'])).toEqual({ kind: 'help' });
    expect(parseCorpusArgs(['--out', 'x', '--studies', '1,000'])).toMatchObject({ kind: 'run', studies: 1000 });
  });
});
