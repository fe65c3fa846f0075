/** Per-phase wall and CPU timing and its table, shared by the question and dataset benches. */
import os from 'node:os';

const t = () => performance.now();
const phases: Array<[string, number, number]> = [];

/** Wall and CPU time: on a shared machine CPU time shows the work when other processes slow the wall clock. */
export async function phase<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
  const s = t();
  const c = process.cpuUsage();
  const out = await fn();
  const cpu = process.cpuUsage(c);
  phases.push([name, t() - s, (cpu.user + cpu.system) / 1000]);
  return out;
}

/** The phases timed so far, their total against the 10 s target, and the load average. */
export function printPhases(width: number): void {
  const total = phases.reduce((a, [, ms]) => a + ms, 0);
  const totalCpu = phases.reduce((a, [, , cpu]) => a + cpu, 0);
  console.log(`  ${'phase'.padEnd(width)} ${'wall'.padStart(8)} ${'cpu'.padStart(8)}`);
  for (const [name, ms, cpu] of phases)
    console.log(
      `  ${name.padEnd(width)} ${(ms / 1000).toFixed(2).padStart(6)} s ${(cpu / 1000).toFixed(2).padStart(6)} s`,
    );
  console.log(
    `  ${'TOTAL'.padEnd(width)} ${(total / 1000).toFixed(2).padStart(6)} s ${(totalCpu / 1000).toFixed(2).padStart(6)} s  (target ≤ 10 s wall)`,
  );
  console.log(
    `  load average at the end: ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} on ${os.cpus().length} cores`,
  );
}
