import path from 'node:path';
import type { Command } from 'commander';
import { parseStyle, runStandaloneQuestions, UserError } from '../../pipeline/index.js';
import { action } from '../common.js';

interface QuestionsFlags {
  keyinfo: string;
  metadata: string;
  out: string;
  style: string;
  seed: string;
  threshold: string;
  difference?: boolean;
  paired?: boolean;
}

function parseSeed(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new UserError(`--seed expects a whole number, got "${v}"`);
  return n;
}

function parseThreshold(v: string): number | 'auto' | null {
  if (v === 'auto') return 'auto';
  if (v === 'off') return null;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new UserError(`--threshold expects a whole number ≥ 1, auto or off, got "${v}"`);
  return n;
}

/** `cxrvqa questions`: question generation alone, from a KeyInfo file, in the original's CSV layout. */
export function registerQuestions(program: Command): void {
  program
    .command('questions')
    .description('generate questions from a KeyInfo file alone (no run), written in the original release CSV layout')
    .requiredOption(
      '--keyinfo <file>',
      "JSON list or JSONL of {study_id, subject_id, opacity_vs_clear, entity, uncertain_entity, no_entity}; rule-based records in the MIMIC-Diff-VQA layout (a run's artifacts/reference.jsonl) too",
    )
    .requiredOption(
      '--metadata <csv>',
      "per-study metadata in the mimic_all.csv layout (study_id, subject_id, view, ...), or a run's artifacts/reports.jsonl",
    )
    .requiredOption('--out <dir>', 'output folder: questions.csv and summary.json')
    .option('--style <style>', 'release (as the published dataset) | improved', 'improved')
    .option('--seed <n>', 'random seed', '0')
    .option(
      '--threshold <n>',
      'low-frequency threshold: a number (the release: 10), auto (scaled to the corpus) or off',
      '10',
    )
    .option('--difference', 'add difference questions against an earlier study of the same subject (ref_id column)')
    .option(
      '--paired',
      'the Medical-Diff-VQA layout: every question carries its reference study; studies without one get none',
    )
    .action(
      action(async (flags: QuestionsFlags) => {
        const style = parseStyle(flags.style);
        const seed = parseSeed(flags.seed);
        const threshold = parseThreshold(flags.threshold);
        const r = await runStandaloneQuestions({
          keyinfo: path.resolve(flags.keyinfo),
          metadata: path.resolve(flags.metadata),
          out: path.resolve(flags.out),
          style,
          seed,
          threshold,
          difference: flags.paired ? 'paired' : flags.difference ? 'separate' : 'off',
        });
        const c = r.counts;
        if (r.duplicates)
          process.stderr.write(`warn: ${r.duplicates} KeyInfo records repeat a study_id; the last one is used\n`);
        if (c.skipped_no_metadata)
          process.stderr.write(`warn: ${c.skipped_no_metadata} studies have no metadata row; skipped\n`);
        if (r.ruleRecords) {
          const asked = style === 'release' && flags.paired;
          process.stderr.write(
            asked
              ? `${r.ruleRecords} records in the rule-based (Diff-VQA) layout: their post-locations are asked as written\n`
              : `note: ${r.ruleRecords} records in the rule-based (Diff-VQA) layout: their post-locations are folded into the location (asked as written only with --paired --style release)\n`,
          );
        }
        const types = r.stats.by_type
          .filter((t) => t.count)
          .map((t) => `${t.type} ${t.count}`)
          .join(', ');
        process.stderr.write(
          `${r.pairs} questions (${types}) from ${c.studies_used} of ${r.records} studies (${style} style, seed ${seed}) → ${r.file}\n`,
        );
      }),
    );
}
