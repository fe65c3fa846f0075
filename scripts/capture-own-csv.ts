/**
 * npx tsx scripts/capture-own-csv.ts  (after `npm run build`)
 * Drives the built app in tmux at 80×24 through "your own CSV in five minutes"
 * (docs/ui.md): the wizard's mapping step on a made-up CSV with non-standard
 * column names, then the notebook after every step ran. Saves the screens as
 * plain text in docs/screens/own-csv-*.txt.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { requireTmux, TmuxApp } from '../test/e2e/driver.js';
import { writeOwnCsv } from '../test/helpers/own-csv.js';
import { saveScreen } from './lib/screens.js';

requireTmux();
// A fixed folder, so the captures show the same path each time.
const tmp = path.join(os.tmpdir(), 'cxrvqa-own-csv');
fs.rmSync(tmp, { recursive: true, force: true });
const env = { XDG_CONFIG_HOME: path.join(tmp, 'config'), HOME: tmp };
// A short path, so the captures read like a person's own folder.
const home = path.join(tmp, 'me');
const csv = writeOwnCsv(home, 40, 'my-reports.csv', 'Film');

function save(name: string, screen: string): void {
  saveScreen(name, screen);
  console.log(`docs/screens/${name}.txt`);
}

const t = new TmuxApp('own-csv', env);
try {
  t.start([], undefined, home);
  await t.waitFor('1/3 Corpus');
  await t.send('Down', 'Down', 'Enter');
  await t.waitFor('path to the CSV file');
  await t.send(csv, 'Enter');
  save('own-csv-mapping', await t.waitFor('Map the columns of my-reports.csv'));
  await t.send('Up', 'Enter');
  await t.waitFor('Enter keeps the column(s)');
  await t.send('Film', 'Enter');
  save('own-csv-mapping-edited', await t.waitFor(/view\s+Film/));
  await t.send('Down', 'Enter');
  await t.waitFor('2/3 Extraction backend');
  await t.send('Enter');
  await t.waitFor('3/3 run folder');
  await t.send('Enter');
  await t.waitFor(/questions\s+not run/, 30_000);
  await t.send('a');
  await t.waitFor(/\(check, fresh\) done/, 180_000);
  await t.send('Escape');
  save('own-csv-notebook-done', await t.waitFor(/questions\s+done/));
  await t.send('Enter');
  save('own-csv-cell-ingest', await t.waitFor('c edits the column mapping'));
} finally {
  t.kill();
  fs.rmSync(tmp, { recursive: true, force: true });
}
