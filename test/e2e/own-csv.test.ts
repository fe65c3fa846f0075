import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeOwnCsv } from '../helpers/own-csv.js';
import { CLI, requireTmux, screenWidth, TmuxApp } from './driver.js';

/**
 * A person's own CSV in the real binary at 80×24: a fresh config opens the wizard,
 * the mapping step shows the guesses for non-standard column names, one is edited,
 * every step runs, the dataset has QA pairs and the run report is written.
 * Needs `npm run build` first (`npm test` builds).
 */
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cxrvqa-e2e-own-'));
const env = { XDG_CONFIG_HOME: path.join(tmp, 'config'), HOME: tmp };
let t: TmuxApp | null = null;

beforeAll(() => requireTmux());
afterAll(() => {
  t?.kill();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function fits(screen: string): void {
  expect(screenWidth(screen)).toBeLessThanOrEqual(80);
  expect(screen.replace(/\n+$/, '').split('\n').length).toBeLessThanOrEqual(24);
}

describe('your own CSV in the app (tmux, 80×24)', () => {
  it('wizard → mapping (one guess edited) → all steps → QA pairs and a run report', async () => {
    // "Film" is no name a guess finds: the view column has to be picked in the mapping step.
    const csv = writeOwnCsv(path.join(tmp, 'data'), 40, 'my-reports.csv', 'Film');
    const work = path.join(tmp, 'work');
    fs.mkdirSync(work);
    t = new TmuxApp('own-csv', env);
    t.start([], undefined, work);

    await t.waitFor('1/3 Corpus', 30_000, 'the wizard');
    await t.send('Down', 'Down');
    await t.waitFor(/▸ a CSV file/);
    await t.send('Enter');
    await t.waitFor('path to the CSV file');
    await t.send(csv, 'Enter');
    let s = await t.waitFor('Map the columns of my-reports.csv', 20_000, 'the mapping step');
    expect(s).toMatch(/study id \*\s+Report ID\s+R1000/);
    expect(s).toMatch(/report text \*\s+Findings text\s+FINDINGS:/);
    expect(s).toMatch(/subject \(patient\)\s+Patient\s+P0/);
    expect(s).toMatch(/view\s+—/);
    fits(s);

    // Up from "use this mapping" is the view; type the column (case forgiven).
    await t.send('Up');
    await t.waitFor(/▸ view/);
    await t.send('Enter');
    await t.waitFor('Enter keeps the column(s)');
    await t.send('film', 'Enter');
    s = await t.waitFor(/view\s+Film\s+Xray Chest PA/, 20_000, 'the edited view column');
    fits(s);
    await t.send('Down');
    await t.waitFor(/▸ use this mapping/);
    await t.send('Enter');
    await t.waitFor('2/3 Extraction backend');
    await t.send('Enter');
    await t.waitFor('3/3 run folder');
    await t.send('Enter');

    s = await t.waitFor(/questions\s+not run/, 30_000, 'the notebook');
    expect(s).toContain('backend: rules');
    fits(s);
    await t.send('a');
    // The plan's last step: its "done" stays on screen once everything before it finished.
    s = await t.waitFor(/\(check, fresh\) done/, 180_000, 'the last step (check) to finish');
    fits(s);

    const runDir = path.join(work, 'runs', 'default');
    const state = JSON.parse(fs.readFileSync(path.join(runDir, 'state.json'), 'utf8'));
    expect(state.config.corpus).toMatchObject({ kind: 'csv', path: csv, columns: { view: 'Film' } });
    expect(state.steps.ingest.summary).toContain('views PA');
    const stats = JSON.parse(fs.readFileSync(path.join(runDir, 'dataset', 'stats.json'), 'utf8'));
    expect(stats.total).toBeGreaterThan(0);
    expect(stats.by_type.find((x: { type: string }) => x.type === 'view').count).toBeGreaterThan(0);

    // The run report (read-only: the app may keep the run open meanwhile).
    execFileSync(process.execPath, [CLI, 'report', '--run', runDir], { env: { ...process.env, ...env } });
    const report = fs.readFileSync(path.join(runDir, 'report', 'report.md'), 'utf8');
    expect(report).toContain(stats.total.toLocaleString('en-US'));
    expect(fs.existsSync(path.join(runDir, 'report', 'report.html'))).toBe(true);
  }, 300_000);
});
