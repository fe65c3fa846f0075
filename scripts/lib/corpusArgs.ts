import { parseArgs } from 'node:util';
import { fmtNum } from '../../src/present/format.js';
import { MIMIC_STUDIES } from './synth.js';

export const CORPUS_USAGE = `usage: npm run generate:corpus -- --out DIR [--studies N] [--seed S]

Writes a synthetic MIMIC-CXR-layout corpus: files/, metadata.csv and truth.jsonl under DIR.

  --out DIR      folder to write (required)
  --studies N    number of studies (default ${fmtNum(MIMIC_STUDIES)}, the size of MIMIC-CXR)
  --seed S       random seed (default 42): the same seed writes the same corpus
  -h, --help     print this help
`;

export type CorpusArgs =
  { kind: 'run'; out: string; studies: number; seed: string } | { kind: 'help' } | { kind: 'error'; message: string };

/** The script's arguments; a bad one is a message for the usage, never a stack trace. */
export function parseCorpusArgs(argv: readonly string[]): CorpusArgs {
  let values: { out?: string; studies?: string; seed?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        out: { type: 'string' },
        studies: { type: 'string', default: String(MIMIC_STUDIES) },
        seed: { type: 'string', default: '42' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    return { kind: 'error', message: (err as Error).message };
  }
  if (values.help) return { kind: 'help' };
  // Accepts the separators the usage shows (227,835).
  const studies = Number(values.studies?.replaceAll(',', ''));
  if (!Number.isInteger(studies) || studies < 1)
    return { kind: 'error', message: `--studies expects a whole number above 0, got "${values.studies}"` };
  if (!values.out) return { kind: 'error', message: '--out DIR is required' };
  return { kind: 'run', out: values.out, studies, seed: values.seed ?? '42' };
}
