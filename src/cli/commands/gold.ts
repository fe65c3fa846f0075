import fs from 'node:fs';
import type { Command } from 'commander';
import { goldItem, listGold, reviewCounts, reviewFile, setReview, UserError } from '../../pipeline/index.js';
import { action, currentRunOption, withRun } from '../common.js';

/** `cxrvqa gold list|show|accept|reject|edit`: review the gold set before fine-tuning (same file as the app). */
export function registerGold(program: Command): void {
  const gold = program.command('gold').description('review the gold set (strong-model KeyInfo) before fine-tuning');

  gold
    .command('list')
    .description('list gold records with their review status and whether they will be exported')
    .addOption(currentRunOption())
    .option('--require-review', 'show what is exported when review is required (pending records skipped)')
    .option('--json', 'print JSON')
    .action(
      action(async (flags: { run: string; requireReview?: boolean; json?: boolean }) => {
        await withRun(flags.run, { readOnly: true }, async (run) => {
          const rows = await listGold(run, Boolean(flags.requireReview));
          if (flags.json) {
            process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
            return;
          }
          if (rows.length === 0) {
            process.stdout.write('The gold set is empty: run the gold step first (cxrvqa run --steps gold).\n');
            return;
          }
          for (const r of rows) {
            const why = r.decision.usable
              ? r.decision.source === 'correction'
                ? 'export (corrected)'
                : 'export'
              : `skip: ${r.decision.reason}`;
            process.stdout.write(
              `${r.study_id.padEnd(12)} ${r.goldStatus.padEnd(11)} ${r.review.padEnd(9)} ${why}${r.note ? `  — ${r.note}` : ''}\n`,
            );
          }
          const c = reviewCounts(rows);
          process.stdout.write(
            `${rows.length} records: ${c.accepted} accepted, ${c.corrected} corrected, ${c.rejected} rejected, ${c.pending} pending; ${c.usable} will be exported\n`,
          );
        });
      }),
    );

  gold
    .command('show <studyId>')
    .description('print the gold record and its review as JSON')
    .addOption(currentRunOption())
    .action(
      action(async (studyId: string, flags: { run: string }) => {
        await withRun(flags.run, { readOnly: true }, async (run) => {
          const item = await goldItem(run, studyId);
          if (!item)
            throw new UserError(`Study ${studyId} is not in the gold set.`, 'List it with `cxrvqa gold list`.');
          process.stdout.write(
            JSON.stringify(
              {
                report: item.text,
                gold: item.gold,
                review: item.review,
                exported: item.decision.usable ? true : item.decision.reason,
              },
              null,
              2,
            ) + '\n',
          );
        });
      }),
    );

  for (const [name, status] of [
    ['accept', 'accepted'],
    ['reject', 'rejected'],
    ['reset', 'pending'],
  ] as const) {
    gold
      .command(`${name} <studyIds...>`)
      .description(`mark gold records ${status}`)
      .addOption(currentRunOption())
      .option('--note <text>', 'a note kept with the review')
      .action(
        action(async (studyIds: string[], flags: { run: string; note?: string }) => {
          await withRun(flags.run, {}, async (run) => {
            for (const id of studyIds) await setReview(run, id, { status, note: flags.note });
            process.stdout.write(`${studyIds.length} record(s) ${status} (${reviewFile(run.dir)})\n`);
          });
        }),
      );
  }

  gold
    .command('edit <studyId>')
    .description('store a corrected KeyInfo for a gold record (it replaces the model output in the export)')
    .addOption(currentRunOption())
    .requiredOption('--file <path>', 'JSON file with the corrected KeyInfo')
    .option('--note <text>', 'a note kept with the review')
    .action(
      action(async (studyId: string, flags: { run: string; file: string; note?: string }) => {
        let value: unknown;
        try {
          value = JSON.parse(fs.readFileSync(flags.file, 'utf8'));
        } catch (err) {
          throw new UserError(
            `Cannot read KeyInfo from ${flags.file}: ${(err as Error).message}`,
            'Nothing was saved.',
          );
        }
        await withRun(flags.run, {}, async (run) => {
          await setReview(run, studyId, { status: 'corrected', keyinfo: value, note: flags.note });
          process.stdout.write(`${studyId} corrected (${reviewFile(run.dir)})\n`);
        });
      }),
    );
}
