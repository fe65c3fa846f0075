import { describe, expect, it } from 'vitest';
import { readPackageVersion } from '../../src/cli/version.js';
import { runCli } from '../helpers/run-cli.js';

describe('the in-process CLI harness', () => {
  it('--version and --help end the run with status 0 instead of exiting the process', async () => {
    const version = await runCli(['--version']);
    expect(version).toEqual({ stdout: `${readPackageVersion()}\n`, stderr: '', status: 0 });
    const help = await runCli(['eval', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: cxrvqa eval/);
  });

  it('a usage error in a subcommand gives commander’s message and status 2, like any user error', async () => {
    const res = await runCli(['eval', '--pred', 'rules']);
    expect(res.status).toBe(2);
    expect(res.stderr).toBe("error: required option '--gold <path>' not specified\n");
  });

  it('a failing command’s exit code is the status, and the test process keeps its own', async () => {
    process.exitCode = undefined;
    const res = await runCli(['eval', '--gold', '/nonexistent/g.jsonl', '--pred', 'rules']);
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/^error: /m);
    expect(process.exitCode).toBeUndefined();
  });

  it('runs in the given environment and folder, then restores both', async () => {
    const before = { cwd: process.cwd(), home: process.env.HOME };
    const res = await runCli(['status', '--run', 'no-run-here'], {
      cwd: '/tmp',
      env: { ...process.env, HOME: '/nonexistent-home' },
    });
    expect(res.stderr).toContain('/tmp/no-run-here');
    expect({ cwd: process.cwd(), home: process.env.HOME }).toEqual(before);
  });

  it('runs one at a time even when called concurrently', async () => {
    const [a, b] = await Promise.all([runCli(['--version']), runCli(['eval', '--no-such-flag'])]);
    expect(a.stdout).toBe(`${readPackageVersion()}\n`);
    expect(a.stderr).toBe('');
    expect(b.stdout).toBe('');
    expect(b.status).toBe(2);
  });
});
