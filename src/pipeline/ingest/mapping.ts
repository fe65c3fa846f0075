import type { CorpusConfig } from '../schemas/state.js';
import type { Run } from '../store/run.js';
import { UserError } from '../util/errors.js';
import { applyConfig, mergeColumns } from '../runner/configure.js';
import { openCorpus } from './sources.js';

/**
 * `--column` on a run that already has a corpus: the stored corpus with the mapping
 * changed (ingest's fingerprint covers the corpus config, so ingest and what follows
 * turn stale). Null when the mapping is unchanged. The new mapping is checked against
 * the file first, so a typo leaves the stored mapping as it was.
 */
export async function remapColumns(
  stored: CorpusConfig | null,
  specs: readonly string[],
): Promise<CorpusConfig | null> {
  if (!stored)
    throw new UserError(
      '--column needs a corpus: this run has none yet.',
      'Pass the file too: --corpus FILE --column field=COLUMN.',
    );
  if (stored.kind !== 'csv' && stored.kind !== 'jsonl')
    throw new UserError(
      `--column maps the columns of a CSV or JSONL corpus; this run reads a ${stored.kind} corpus.`,
      'MIMIC corpora take their fields from the metadata table (--metadata).',
    );
  const columns = mergeColumns(stored.columns, specs);
  const same =
    Object.keys(columns).length === Object.keys(stored.columns).length &&
    Object.entries(columns).every(([k, v]) => stored.columns[k] === v);
  if (same) return null;
  const next = { ...stored, columns };
  await openCorpus(next);
  return next;
}

/**
 * Replace the column mapping of the run's CSV/JSONL corpus (the app's mapping editor).
 * Checked against the file first, so a refused mapping leaves the run as it was;
 * ingest's fingerprint covers the corpus config, so ingest and what follows turn stale.
 */
export async function setCorpusColumns(run: Run, columns: Readonly<Record<string, string>>): Promise<boolean> {
  const stored = run.state.config.corpus;
  const specs = [
    ...Object.keys(stored?.columns ?? {}).map((f) => `${f}=`),
    ...Object.entries(columns).map(([f, c]) => `${f}=${c}`),
  ];
  const next = await remapColumns(stored, specs);
  if (next) await applyConfig(run, { corpus: next });
  return next !== null;
}
