/**
 * npm run generate:corpus -- --out DIR [--studies N] [--seed S]
 * Writes a synthetic MIMIC-CXR-layout corpus (see scripts/lib/synth.ts).
 */
import path from 'node:path';
import { CORPUS_USAGE, parseCorpusArgs } from './lib/corpusArgs.js';
import { writeCorpus } from './lib/writeCorpus.js';
import { fmtNum, formatDuration } from '../src/present/format.js';

const args = parseCorpusArgs(process.argv.slice(2));
if (args.kind === 'help') {
  process.stdout.write(CORPUS_USAGE);
  process.exit(0);
}
if (args.kind === 'error') {
  process.stderr.write(`error: ${args.message}\n\n${CORPUS_USAGE}`);
  process.exit(2);
}
const { studies, seed } = args;
const out = path.resolve(args.out);
const started = Date.now();
const made = await writeCorpus({ out, studies, seed });
process.stderr.write(
  `wrote ${fmtNum(made.studies)} studies of ${fmtNum(made.subjects)} subjects to ${out} (files/, metadata.csv, truth.jsonl) in ${formatDuration((Date.now() - started) / 1000)}\n`,
);
