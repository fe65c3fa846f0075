import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { colourOff } from '../../src/cli/colour.js';
import { runCli } from '../helpers/run-cli.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** The level Ink's chalk picks in a fresh process that loads the CLI's colour switch first (as src/cli.ts does). */
function chalkLevel(env: NodeJS.ProcessEnv, args: string[] = []): string {
  const base: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color' };
  delete base.NO_COLOR;
  delete base.FORCE_COLOR;
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/fixtures/colour/level.ts', ...args], {
    cwd: ROOT,
    env: { ...base, ...env },
    encoding: 'utf8',
  });
  return r.stdout;
}

describe('one colour switch: NO_COLOR and --no-color', () => {
  it('turn off the colours Ink draws with, even when colour is forced otherwise', () => {
    expect(chalkLevel({ FORCE_COLOR: '3' })).not.toBe('0');
    expect(chalkLevel({ FORCE_COLOR: '3', NO_COLOR: '1' })).toBe('0');
    expect(chalkLevel({ FORCE_COLOR: '3' }, ['--no-color'])).toBe('0');
  });

  it('NO_COLOR counts when non-empty (no-color.org); --no-color anywhere on the command line', () => {
    expect(colourOff([], { NO_COLOR: '' })).toBe(false);
    expect(colourOff([], { NO_COLOR: '0' })).toBe(true);
    expect(colourOff(['node', 'cxrvqa', 'status', '--no-color'], {})).toBe(true);
  });

  it('every command accepts --no-color', async () => {
    const r = await runCli(['help', 'status', '--no-color']);
    expect(r.status).toBe(0);
    expect((await runCli(['llm', 'show', '--no-color', '--run', '/nonexistent/run'])).stderr).not.toMatch(
      /unknown option/,
    );
  });
});
