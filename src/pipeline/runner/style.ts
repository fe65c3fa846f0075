import { DEFAULT_STYLE, StyleSchema, type Style } from '../schemas/style.js';
import type { Run } from '../store/run.js';
import { UserError } from '../util/errors.js';

/** The run's style: what the dataset-shaping steps (those declaring `usesStyle`) reproduce. */
export function styleOf(run: Pick<Run, 'state'>): Style {
  return run.state.config.style ?? DEFAULT_STYLE;
}

/** Reads a `--style` value, naming the choices when it is not one of them. */
export function parseStyle(value: string): Style {
  const r = StyleSchema.safeParse(value.trim().toLowerCase());
  if (r.success) return r.data;
  throw new UserError(
    `Unknown style "${value}".`,
    `Use --style release (the published dataset's behaviour) or --style improved (the default).`,
  );
}
