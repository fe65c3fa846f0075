/**
 * npx tsx scripts/capture-screens.ts  (after `npm run build`)
 * Drives the built app in tmux at 80×24 on the bundled sample and saves each
 * screen as plain text in docs/screens/ (listed in docs/ui.md).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyConfig, corpusConfigFrom } from '../src/pipeline/runner/configure.js';
import { Run } from '../src/pipeline/store/run.js';
import { requireTmux, TmuxApp } from '../test/e2e/driver.js';
import { saveScreen, SCREENS_DIR } from './lib/screens.js';
import { writeCorpus } from './lib/writeCorpus.js';

requireTmux();
fs.mkdirSync(SCREENS_DIR, { recursive: true });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cxrvqa-screens-'));
const env = { XDG_CONFIG_HOME: path.join(tmp, 'config'), HOME: tmp };
const cwd = tmp;
const written: string[] = [];

function save(name: string, screen: string): void {
  saveScreen(name, screen);
  written.push(name);
}

const apps: TmuxApp[] = [];
try {
  // The wizard: no run given and none remembered.
  const w = new TmuxApp('wizard', env);
  apps.push(w);
  w.start([], undefined, cwd);
  save('wizard', await w.waitFor('1/3 Corpus'));
  w.kill();

  const t = new TmuxApp('screens', env);
  apps.push(t);
  t.start(['demo', '--run', 'runs/sample'], undefined, cwd);
  save('notebook-new', await t.waitFor(/questions\s+not run/, 30_000));
  await t.send('?');
  save('help', await t.waitFor('Keys · notebook'));
  await t.send('?', 'Enter');
  save('cell-ingest', await t.waitFor('Params'));
  await t.send('Escape', 'a');
  save('progress', await t.waitFor(/\(questions, fresh\) done/, 120_000));
  await t.send('Escape');
  save('notebook-done', await t.waitFor(/questions\s+done/));
  await t.send('Down', 'Down', 'Down', 'Down', 'Down', 'Down', 'Enter');
  save('cell-standardize', await t.waitFor('Params'));
  await t.send('Escape', 'd');
  save('dataset', await t.waitFor(/QA pairs · [\d,]+ studies/));
  await t.send('Escape', 'i');
  save('inspector-list', await t.waitFor(/\d+ of \d+ reports/));
  await t.send('f', 'f');
  save('inspector-filter', await t.waitFor(/filter: (disagrees|changed)/));
  for (let i = 0; i < 6 && !t.capture().includes('filter: all'); i++) await t.send('f');
  await t.waitFor('filter: all');
  await t.send('Down', 'Enter');
  save('inspector-keyinfo', await t.waitFor(/finding\s+rules/));
  await t.send('c', 'Down', 'x');
  save('inspector-judged', await t.waitFor('✗'));
  await t.send('Tab');
  save('inspector-qa', await t.waitFor('provenance:'));
  await t.send('Tab');
  save('inspector-text', await t.waitFor('selected section'));
  // a report standardization changed: its history pane
  await t.send('Escape');
  for (let i = 0; i < 6 && !t.capture().includes('filter: changed in cycle 0'); i++) await t.send('f');
  // The sample may have no record that standardization changed: then any report's history.
  if (!/filter: changed in cycle 0 · [1-9]/.test(t.capture()))
    for (let i = 0; i < 6 && !t.capture().includes('filter: all'); i++) await t.send('f');
  await t.send('Enter', 'Tab', 'Tab', 'Tab');
  save('inspector-history', await t.waitFor(/standardize c\d|No standardization changes/));
  await t.send('Escape');
  for (let i = 0; i < 6 && !t.capture().includes('filter: all'); i++) await t.send('f');
  await t.send('Escape', 'v');
  save('review-start', await t.waitFor('Review a seeded sample'));
  await t.send('Enter');
  await t.waitFor('review 1/');
  await t.send('c', 'Down', 'c', 'Down', 'x');
  save('review-walk', await t.waitFor('✗'));
  await t.send('Right', 'c', 'Right', 'c', 't');
  save('review-table', await t.waitFor('Accuracy per method'));
  await t.send('Escape', 'Escape', 'p');
  save('progress-after', await t.waitFor('cxrvqa · progress'));
  t.kill();

  // A step caught mid-way: ingest of a generated 20k-report corpus.
  const corpus = path.join(tmp, 'corpus');
  await writeCorpus({ out: corpus, studies: 20_000, seed: '7' });
  const big = await Run.open(path.join(tmp, 'runs', 'big'), { create: true });
  await applyConfig(big, {
    corpus: corpusConfigFrom({ corpus: path.join(corpus, 'files'), metadata: path.join(corpus, 'metadata.csv') })!,
    backend: 'rules',
  });
  await big.close();
  const b = new TmuxApp('big', env);
  apps.push(b);
  b.start(['open', '--run', 'runs/big'], undefined, cwd);
  await b.waitFor(/ingest\s+not run/, 30_000);
  await b.send('r');
  save('progress-running', await b.waitFor(/\(ingest, fresh\) running[\s\S]*[1-9],\d{3}\/20,000/, 60_000));
  await b.send('C-c');
  save('progress-stopped', await b.waitFor(/\(ingest, fresh\) interrupted/, 30_000));
  process.stderr.write(`wrote ${written.length} screens to ${SCREENS_DIR}: ${written.join(', ')}\n`);
} finally {
  for (const a of apps) a.kill();
}
