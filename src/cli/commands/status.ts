import type { Command } from 'commander';
import {
  CYCLE_COLUMNS,
  cycleHistory,
  displayStatus,
  holderState,
  type Run,
  staleReasons,
  STEPS,
  stepEngine,
  stepState,
} from '../../pipeline/index.js';
import { engineLine, engineView } from '../../present/engine.js';
import { fmtNum, formatDuration, formatUsage } from '../../present/format.js';
import { fitTable, outputWidth, wrapHanging } from '../../present/layout.js';
import { action, currentRunOption, withRun } from '../common.js';

export function statusRows(run: Run) {
  return STEPS.map((step) => {
    const st = stepState(run, step.id);
    const applies = step.applies?.(run) ?? { ok: true };
    // A step that does not apply to this run's config says so, rather than "not_run".
    const status = !applies.ok && st.status === 'not_run' ? 'n/a' : displayStatus(run, step);
    return {
      id: step.id,
      title: step.title,
      status,
      notApplicable: applies.ok ? null : (applies.reason ?? 'not applicable'),
      stale: staleReasons(run, step).map((r) => r.detail),
      counts: st.counts,
      summary: st.summary,
      finishedAt: st.finishedAt,
      durationMs: st.durationMs,
      error: st.error,
      warning: st.warning,
      usage: st.usage,
      engine: stepEngine(run, step),
    };
  });
}

/** Indent of a step's detail lines: under the status column. */
const DETAIL = 13;

export function formatStatus(run: Run, width = outputWidth()): string {
  const out: string[] = [];
  const add = (text: string, indent = DETAIL) => out.push(...wrapHanging(text, width, indent));
  const corpus = run.state.config.corpus;
  add(`run ${run.dir}`, 4);
  add(
    `corpus: ${corpus ? `${corpus.kind} ${corpus.path}${corpus.credentialed ? ' (credentialed)' : ''}` : '(none)'}  backend: ${run.state.config.backend}`,
    8,
  );
  const detail = (text: string) => add(`${''.padEnd(DETAIL - 1)} ${text}`);
  for (const r of statusRows(run)) {
    const counts = Object.entries(r.counts)
      .map(([k, v]) => `${k}=${fmtNum(v)}`)
      .join(' ');
    const when = r.durationMs !== null ? ` in ${formatDuration(r.durationMs / 1000)}` : '';
    add(`${r.id.padEnd(12)} ${r.status.padEnd(11)}${when.padEnd(10)} ${counts}`.trimEnd(), DETAIL + 22);
    const set = Object.entries(run.state.steps[r.id]?.params ?? {});
    if (set.length)
      detail(
        `set: ${set.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')} (--unset ${r.id}.NAME restores a default)`,
      );
    if (r.engine && r.status !== 'n/a') detail(engineLine(engineView(r.engine, { stepDone: r.status === 'done' })));
    const spend = formatUsage(r.usage);
    if (spend) detail(spend);
    if (r.stale.length) detail(`stale: ${r.stale.join(', ')}`);
    if (r.error) detail(`error: ${r.error}`);
    if (r.status === 'warning' && r.warning) detail(`warning: ${r.warning}`);
    if (r.status === 'n/a' && r.notApplicable) detail(r.notApplicable);
  }
  if (run.state.cycles.length) {
    out.push('follow-up cycles:');
    out.push(...formatCycles(run, width));
  }
  const running = STEPS.filter((s) => stepState(run, s.id).status === 'running').map((s) => s.id);
  if (running.length) {
    // A step stays `running` in state.json when its process was killed; only the next writer repairs it.
    const { holder, alive } = holderState(run.dir);
    if (alive === false) {
      add(
        `note: ${holder ? `process ${holder.pid}` : 'the process'} that was running ${running.join(', ')} is gone (killed or crashed); the next \`cxrvqa run\` on this run resumes it`,
        6,
      );
    } else if (holder) {
      add(`note: running in process ${holder.pid} on ${holder.host} since ${holder.since}`, 6);
    }
  }
  return out.join('\n');
}

/** The follow-up cycle history as a table that fits `width` (the rarest counts go first when it does not). */
function formatCycles(run: Run, width: number): string[] {
  const header = ['cycle', ...CYCLE_COLUMNS.map(([, h]) => h), 'status'];
  const rows = cycleHistory(run.state).map((r) => [
    String(r.cycle),
    ...CYCLE_COLUMNS.map(([k]) => {
      const v = r.counts[k];
      return v === undefined ? '-' : fmtNum(v);
    }),
    r.status,
  ]);
  const table = fitTable(header, rows, width, ['dropped', 'parse fail', '+no_entity', 'failed']);
  return [
    ...table.lines,
    ...(table.dropped.length ? [`(left out to fit: ${table.dropped.join(', ')}; cxrvqa status --json has all)`] : []),
  ];
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description("print the run's steps, their state and counts")
    .addOption(currentRunOption())
    .option('--json', 'print JSON')
    .action(
      action(async (flags: { run: string; json?: boolean }) => {
        await withRun(flags.run, { readOnly: true }, async (run) => {
          process.stdout.write(
            flags.json
              ? JSON.stringify(
                  { dir: run.dir, config: run.state.config, steps: statusRows(run), cycles: run.state.cycles },
                  null,
                  2,
                ) + '\n'
              : formatStatus(run) + '\n',
          );
        });
      }),
    );
}
