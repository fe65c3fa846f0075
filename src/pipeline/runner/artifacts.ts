import type { RunState } from '../schemas/state.js';
import type { AnyStep } from '../steps/contract.js';
import type { Run } from '../store/run.js';
import { UserError } from '../util/errors.js';

/** Record that an artifact was rewritten: its version moves on, so readers become stale. */
export function bumpArtifact(s: Pick<RunState, 'artifacts'>, name: string, count: number): void {
  const prev = s.artifacts[name];
  s.artifacts[name] = { version: (prev?.version ?? 0) + 1, count, updatedAt: new Date().toISOString() };
}

/** The error for a step whose required inputs are not there yet (null when all are). */
export function missingInputs(run: Run, step: AnyStep): UserError | null {
  const missing = (step.requires?.(run.state.config) ?? []).filter((art) => !run.artifact(art.name).exists());
  if (missing.length === 0) return null;
  const makers = [...new Set(missing.map((art) => art.madeBy))];
  return new UserError(
    `${step.title} needs the ${missing.map((art) => art.name).join(', ')} artifact${missing.length > 1 ? 's' : ''} first (none in this run).`,
    `Run the step that makes ${missing.length > 1 ? 'them' : 'it'} first: cxrvqa run --steps ${[...makers, step.id].join(',')}`,
  );
}
