import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFile } from '../ingest/fixtures.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/tmp.js';

let tmp: ReturnType<typeof makeTempDir>;
afterEach(() => tmp?.cleanup());

/** A process environment whose config dir (where the last run is kept) and working directory are the test's own. */
function setup() {
  tmp = makeTempDir();
  const env = { ...process.env, XDG_CONFIG_HOME: path.join(tmp.dir, 'config') };
  const cli = (argv: string[]) => runCli(argv, { env, cwd: tmp.dir });
  const csv = writeFile(path.join(tmp.dir, 'c.csv'), 'study_id,report\n1001,"FINDINGS: Small effusion."\n');
  return { cli, csv };
}

describe('one current run', () => {
  it('status, report and llm show default to the last opened run and say which on stderr', async () => {
    const { cli, csv } = setup();
    const run = path.join(tmp.dir, 'mine');
    expect((await cli(['run', '--steps', 'ingest', '--corpus', csv, '--run', run])).status).toBe(0);

    const status = await cli(['status']);
    expect(status.stderr).toBe(`run: ${run} (last opened)\n`);
    expect(status.stdout.split('\n')[0]).toBe(`run ${run}`);
    expect(status.stdout).toMatch(/^ingest\s+done/m);
    // Piped output stays the command's own: the note goes to stderr only.
    expect(JSON.parse((await cli(['status', '--json'])).stdout).dir).toBe(run);

    const report = await cli(['report']);
    expect(report.status).toBe(0);
    expect(report.stdout.split('\n')[0]).toBe(path.join(run, 'report', 'report.html'));
    expect((await cli(['llm', 'show'])).stderr).toMatch(/^run: .*mine \(last opened\)$/m);

    // --run still wins, and says nothing.
    const other = path.join(tmp.dir, 'other');
    await cli(['run', '--steps', 'ingest', '--corpus', csv, '--run', other]);
    const explicit = await cli(['status', '--run', run]);
    expect(explicit.stderr).toBe('');
    expect((await cli(['status'])).stdout.split('\n')[0]).toBe(`run ${other}`);
  });

  it('without a last run, the default folder is used', async () => {
    const { cli } = setup();
    const r = await cli(['status']);
    expect(r.stderr).not.toMatch(/last opened/);
    expect(r.stderr).toMatch(/runs\/default/);
  });

  it('`new` and `open` on a folder without a run need a terminal: a clear message, nothing created', async () => {
    const { cli, csv } = setup();
    const fresh = await cli(['new', '--run', 'runs/next']);
    expect(fresh.stderr).toMatch(/^error: The setup wizard needs a terminal\./m);
    expect(fresh.stderr).toMatch(/hint: Start the run headless: cxrvqa run --corpus PATH --run runs\/next/);
    expect(fresh.status).toBe(2);
    const open = await cli(['open', '--run', 'runs/next']);
    expect(open.stderr).toMatch(/runs\/next holds no run yet/);
    expect(open.status).toBe(2);
    expect(fs.existsSync(path.join(tmp.dir, 'runs', 'next'))).toBe(false);

    await cli(['run', '--steps', 'ingest', '--corpus', csv, '--run', 'runs/have']);
    const taken = await cli(['new', '--run', 'runs/have']);
    expect(taken.stderr).toMatch(/runs\/have already holds a run\.\nhint: Open it: cxrvqa open --run runs\/have/);
    expect(taken.status).toBe(2);
  });

  it('`help` and `help COMMAND` print help, exit 0', async () => {
    const { cli } = setup();
    const all = await cli(['help']);
    expect(all.stdout).toMatch(/^\s+new \[options\]\s+start another run/m);
    expect(all.status).toBe(0);
    const one = await cli(['help', 'status']);
    expect(one.stdout).toMatch(/^Usage: cxrvqa status/);
    expect(one.stdout).toMatch(/--run <dir>\s+run folder \(default: the last opened run/);
    expect(one.status).toBe(0);
  });
});
