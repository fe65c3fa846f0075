import fs from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { type EvalOptions, formatReport, runEvaluation, UserError } from '../../pipeline/index.js';
import { fmtPct } from '../../present/format.js';
import { action } from '../common.js';
import { hasRun } from '../../ui/lastRun.js';

/** The options as typed on the command line: lists are comma-separated strings. */
interface EvalFlags extends Omit<EvalOptions, 'textCols' | 'restrict'> {
  textCols?: string;
  restrict?: string;
  json?: string;
  perEntity: string;
  minOverlap: string;
}

const SCOPE_TITLES: Record<string, string> = {
  all: 'all entities',
  covered: 'findings covered by both the label set and the original disease library',
  'all-mapped': 'all findings the mapping covers',
};

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description(
      'score predicted KeyInfo against gold: per-category entity P/R/F1, attribute accuracy, per-entity table',
    )
    .requiredOption('--gold <path>', 'gold: KeyInfo JSON/JSONL, or a labels CSV (with --mapping)')
    .addOption(
      new Option('--gold-format <format>', 'gold format (default: labels for .csv, else keyinfo)').choices([
        'keyinfo',
        'labels',
      ]),
    )
    .option('--id-col <name>', 'id column of a labels CSV / corpus CSV (default uid for labels, study_id for a corpus)')
    .option('--label-col <name>', 'label column of a labels CSV', 'MeSH')
    .option('--mapping <file>', 'mapping CSV from label terms to entity names (e.g. data/mappings/iu-xray.csv)')
    .requiredOption(
      '--pred <path>',
      'predictions: KeyInfo JSON/JSONL, a run folder, or `rules` to run the rules extractor on --corpus',
    )
    .option(
      '--pred-artifact <name>',
      'artifact of a run folder to read (default: standardized, else raw, else reference)',
    )
    .option('--corpus <path>', 'reports for --pred rules: a CSV (one report per row) or a MIMIC-layout folder')
    .option('--text-cols <cols>', 'comma-separated text columns of a corpus CSV (e.g. findings,impression)')
    .option('--libs <dir>', 'rules libraries folder (default: the bundled data/libs)')
    .addOption(
      new Option('--likely <reading>', 'how the rules extractor reads "likely X"')
        .choices(['positive', 'uncertain'])
        .default('uncertain'),
    )
    .addOption(
      new Option(
        '--half <half>',
        'score only one fixed half of the studies: A = first byte of sha256(id) even, B = odd',
      ).choices(['A', 'B']),
    )
    .option('--restrict <names>', 'comma-separated entity names to score only')
    .option('--json <file>', 'also write the full report as JSON')
    .option('--per-entity <n>', 'rows of the per-entity table to print', '25')
    .option(
      '--min-overlap <share>',
      'exit with status 1 when fewer than this share of gold studies have a prediction',
      '0.9',
    )
    .action(
      action(async (f: EvalFlags) => {
        const { textCols, restrict, json: _json, perEntity: _perEntity, minOverlap: _minOverlap, ...rest } = f;
        const minOverlap = Number(f.minOverlap);
        if (!Number.isFinite(minOverlap) || minOverlap < 0 || minOverlap > 1)
          throw new UserError(`--min-overlap ${f.minOverlap} is not a share between 0 and 1.`);
        const result = runEvaluation({
          ...rest,
          textCols: textCols
            ?.split(',')
            .map((s) => s.trim())
            .filter(Boolean),
          restrict: restrict?.split(','),
        });
        const c = result.coverage;
        const share = fmtPct(c.overlap);
        const out: string[] = [
          `gold: ${result.gold}`,
          `pred: ${result.pred}`,
          `coverage: gold ids ${c.goldIds}, predicted ${c.predicted}, matched ${c.matched} (${share}), missing ${c.missing}, failed rows ${c.failedRows}`,
        ];
        if (result.partialStudies)
          out.push(
            `${result.partialStudies} studies have a gold term without a mapping rule: they are scored on their mapped terms only`,
          );
        for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
        for (const [name, report] of Object.entries(result.scopes))
          out.push(
            '',
            formatReport(`${name}: ${SCOPE_TITLES[name] ?? name}`, report, { perEntity: Number(f.perEntity) }),
          );
        if (result.unmappedTerms)
          out.push(
            '',
            `label terms without a mapping rule (not scored): ${Object.entries(result.unmappedTerms)
              .map(([t, n]) => `${t} (${n})`)
              .join(', ')}`,
          );
        process.stdout.write(out.join('\n') + '\n');
        // Scoring a run folder keeps the report in the run, where `cxrvqa report` shows it.
        const target =
          f.json ??
          (hasRun(f.pred)
            ? path.join(
                f.pred,
                'eval',
                `${f.predArtifact ?? 'auto'}-vs-${path.basename(f.gold).replace(/\.[^.]+$/, '')}.json`,
              )
            : null);
        if (target) {
          fs.mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
          fs.writeFileSync(target, JSON.stringify(result, null, 2) + '\n');
          process.stderr.write(`wrote ${target}\n`);
        }
        if (c.overlap !== null && c.overlap < minOverlap) {
          process.stderr.write(
            `error: only ${share} of the gold studies have a prediction (--min-overlap ${minOverlap}); check ids and failed rows\n`,
          );
          process.exitCode = 1;
        }
      }),
    );
}
