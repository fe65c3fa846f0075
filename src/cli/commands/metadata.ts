import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { buildJpgMetadata, UserError, writeMetadataCsv } from '../../pipeline/index.js';
import { fmtNum, formatDuration } from '../../present/format.js';
import { action } from '../common.js';

/** `cxrvqa metadata --jpg DIR --out mimic_all.csv`: the per-study table from the three MIMIC-CXR-JPG CSVs. */
export function registerMetadata(program: Command): void {
  program
    .command('metadata')
    .description(
      'build the per-study metadata table (mimic_all.csv) from the MIMIC-CXR-JPG chexpert/metadata/split CSVs',
    )
    .requiredOption('--jpg <dir>', 'folder with mimic-cxr-2.0.0-{chexpert,metadata,split}.csv[.gz]')
    .requiredOption('--out <file>', 'output CSV, e.g. mimic_all.csv')
    .action(
      action(async (flags: { jpg: string; out: string }) => {
        const dir = path.resolve(flags.jpg);
        if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
          throw new UserError(`--jpg must be an existing folder: ${dir}`);
        const started = Date.now();
        const rows = buildJpgMetadata(dir, { onNote: (m) => process.stderr.write(`warn: ${m}\n`) });
        const n = await writeMetadataCsv(rows, flags.out);
        process.stderr.write(
          `wrote ${fmtNum(n)} studies to ${path.resolve(flags.out)} in ${formatDuration((Date.now() - started) / 1000)}\n`,
        );
      }),
    );
}
