import type { Command } from 'commander';
import {
  cycleHistory,
  displayStatus,
  formatCycleTable,
  holderState,
  type Run,
  staleReasons,
  STEPS,
  stepState,
} from '../../pipeline/index.js';
import { fmtNum, formatDuration, formatUsage } from '../../present/format.js';
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
    };
  });
}

export function formatStatus(run: Run): string {
  const lines = [
    `run ${run.dir}`,
    `corpus: ${run.state.config.corpus ? `${run.state.config.corpus.kind} ${run.state.config.corpus.path}${run.state.config.corpus.credentialed ? ' (credentialed)' : ''}` : '(none)'}  backend: ${run.state.config.backend}`,
  ];
  for (const r of statusRows(run)) {
    const counts = Object.entries(r.counts)
      .map(([k, v]) => `${k}=${fmtNum(v)}`)
      .join(' ');
    const when = r.durationMs !== null ? ` in ${formatDuration(r.durationMs / 1000)}` : '';
    lines.push(`${r.id.padEnd(12)} ${r.status.padEnd(11)}${when.padEnd(10)} ${counts}`);
    const set = Object.entries(run.state.steps[r.id]?.params ?? {});
    if (set.length)
      lines.push(
        `${''.padEnd(12)} set: ${set.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')} (--unset ${r.id}.NAME restores a default)`,
      );
    const spend = formatUsage(r.usage);
    if (spend) lines.push(`${''.padEnd(12)} ${spend}`);
    if (r.stale.length) lines.push(`${''.padEnd(12)} stale: ${r.stale.join(', ')}`);
    if (r.error) lines.push(`${''.padEnd(12)} error: ${r.error}`);
    if (r.status === 'warning' && r.warning) lines.push(`${''.padEnd(12)} warning: ${r.warning}`);
    if (r.status === 'n/a' && r.notApplicable) lines.push(`${''.padEnd(12)} ${r.notApplicable}`);
  }
  if (run.state.cycles.length) lines.push('follow-up cycles:', formatCycleTable(cycleHistory(run.state)));
  const running = STEPS.filter((s) => stepState(run, s.id).status === 'running').map((s) => s.id);
  if (running.length) {
    // A step stays `running` in state.json when its process was killed; only the next writer repairs it.
    const { holder, alive } = holderState(run.dir);
    if (alive === false) {
      lines.push(
        `note: ${holder ? `process ${holder.pid}` : 'the process'} that was running ${running.join(', ')} is gone (killed or crashed); the next \`cxrvqa run\` on this run resumes it`,
      );
    } else if (holder) {
      lines.push(`note: running in process ${holder.pid} on ${holder.host} since ${holder.since}`);
    }
  }
  return lines.join('\n');
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
