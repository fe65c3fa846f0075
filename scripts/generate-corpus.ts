/**
 * npm run generate:corpus -- --out DIR [--studies N] [--seed S]
 * Writes a synthetic MIMIC-CXR-layout corpus (see scripts/lib/synth.ts).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { MIMIC_STUDIES } from './lib/synth.js';
import { writeCorpus } from './lib/writeCorpus.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    studies: { type: 'string', default: String(MIMIC_STUDIES) },
    seed: { type: 'string', default: '42' },
  },
});

const studies = Number(values.studies);
if (!values.out || !Number.isInteger(studies) || studies < 1) {
  process.stderr.write('usage: npm run generate:corpus -- --out DIR [--studies N (default 227835)] [--seed S]\n');
  process.exit(2);
}
const out = path.resolve(values.out);
const started = Date.now();
const made = await writeCorpus({ out, studies, seed: values.seed! });
process.stderr.write(
  `wrote ${made.studies} studies of ${made.subjects} subjects to ${out} (files/, metadata.csv, truth.jsonl) in ${((Date.now() - started) / 1000).toFixed(1)}s\n`,
);
