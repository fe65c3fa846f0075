import type { AnyStep } from '../steps/contract.js';
import { artifactName } from '../store/artifact.js';
import type { Run } from '../store/run.js';

/**
 * What a stopped step has kept on disk: records per output artifact, read from
 * the files (the state's counts are only written when a step finishes, and a
 * process killed mid-step wrote none).
 */
export async function keptOutputs(run: Run, step: AnyStep): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const name of step.writes.map(artifactName)) {
    const art = run.artifact(name);
    if (!art.exists()) continue;
    out[name] = (await art.keys()).size;
  }
  return out;
}
