import fs from 'node:fs';
import path from 'node:path';
import { CorpusConfigSchema, StepStateSchema, type CorpusConfig, type RunConfig } from '../schemas/state.js';
import type { AnyStep } from '../steps/contract.js';
import type { Run } from '../store/run.js';
import { UserError } from '../util/errors.js';
import { SAMPLE_CORPUS_DIR } from '../util/paths.js';
import { assertTextFile, sniffFile } from '../util/sniff.js';

export interface CorpusFlags {
  sample?: boolean;
  corpus?: string;
  format?: string;
  metadata?: string;
  column?: string[];
  credentialed?: boolean;
}

/** Build the corpus config from CLI/wizard input; checks paths up front. */
export function corpusConfigFrom(flags: CorpusFlags): CorpusConfig | null {
  if (flags.sample) {
    const dir = SAMPLE_CORPUS_DIR();
    return CorpusConfigSchema.parse({
      kind: 'sample',
      path: dir,
      metadata: path.join(dir, 'metadata.csv'),
      credentialed: false,
    });
  }
  if (!flags.corpus) return null;
  const p = path.resolve(flags.corpus);
  if (!fs.existsSync(p)) throw new UserError(`Corpus path does not exist: ${p}`);
  try {
    fs.accessSync(p, fs.constants.R_OK);
  } catch {
    throw new UserError(`Corpus path is not readable: ${p}`);
  }
  const kind = flags.format ?? guessFormat(p);
  if (kind === 'csv' || kind === 'jsonl') assertTextFile(p, kind === 'csv' ? 'Corpus CSV' : 'Corpus JSONL');
  const columns = mergeColumns({}, flags.column ?? []);
  const metadata = flags.metadata ? path.resolve(flags.metadata) : null;
  if (metadata && !fs.existsSync(metadata)) throw new UserError(`Metadata path does not exist: ${metadata}`);
  const parsed = CorpusConfigSchema.safeParse({
    kind,
    path: p,
    metadata,
    columns,
    // MIMIC is credentialed unless the user says otherwise; other corpora are not unless marked.
    credentialed: flags.credentialed ?? (kind === 'mimic' || kind === 'mimic-jpg'),
  });
  if (!parsed.success) throw new UserError(`Unknown corpus format "${kind}" (use mimic, mimic-jpg, csv or jsonl).`);
  return parsed.data;
}

function guessFormat(p: string): string {
  if (fs.statSync(p).isDirectory()) return 'mimic';
  // The reports zip as PhysioNet ships it is read in place (ingest/zipSource.ts).
  if (/\.zip$/i.test(p)) return 'mimic';
  if (/\.jsonl(\.gz)?$/i.test(p)) return 'jsonl';
  if (/\.csv(\.gz)?$/i.test(p)) return 'csv';
  // An unknown name: say what the file is when it is no text file at all (a zip, a workbook, an image).
  if (sniffFile(p).kind !== 'text') assertTextFile(p, 'Corpus file');
  throw new UserError(`Cannot tell the format of ${p}; pass --format mimic|mimic-jpg|csv|jsonl.`);
}

/**
 * Apply `field=column[,column]` settings over a mapping; `field=` (nothing after
 * the `=`) drops the field's setting, so its guess from the header applies again.
 */
export function mergeColumns(base: Readonly<Record<string, string>>, specs: readonly string[]): Record<string, string> {
  const out = { ...base };
  for (const c of specs) {
    const eq = c.indexOf('=');
    if (eq <= 0) throw new UserError(`--column expects field=column[,column], got "${c}"`);
    const field = c.slice(0, eq).trim();
    const value = c.slice(eq + 1).trim();
    if (value === '') delete out[field];
    else out[field] = value;
  }
  return out;
}

/** Parse `step.key=value` overrides (value as JSON when it parses, else a string) and validate them. */
export function parseParamOverrides(
  sets: string[],
  steps: readonly AnyStep[],
): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const s of sets) {
    const m = /^([\w-]+)\.([\w-]+)=(.*)$/s.exec(s);
    if (!m) throw new UserError(`--set expects step.param=value, got "${s}"`);
    const [, stepId, key, raw] = m as unknown as [string, string, string, string];
    if (!steps.some((st) => st.id === stepId))
      throw new UserError(`--set: unknown step "${stepId}" (steps: ${steps.map((st) => st.id).join(', ')})`);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      /* plain string */
    }
    (out[stepId] ??= {})[key] = value;
  }
  return out;
}

/** Parse `step.param` names to reset to their defaults. */
export function parseParamUnsets(unsets: string[], steps: readonly AnyStep[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const u of unsets) {
    const m = /^([\w-]+)\.([\w-]+)$/.exec(u);
    if (!m) throw new UserError(`--unset expects step.param, got "${u}"`);
    const [, stepId, key] = m as unknown as [string, string, string];
    if (!steps.some((st) => st.id === stepId))
      throw new UserError(`--unset: unknown step "${stepId}" (steps: ${steps.map((st) => st.id).join(', ')})`);
    (out[stepId] ??= []).push(key);
  }
  return out;
}

/**
 * Merge param overrides into the run, validating each step's params with its
 * schema; `removals` go back to the schema default.
 */
export async function applyParams(
  run: Run,
  steps: readonly AnyStep[],
  overrides: Record<string, Record<string, unknown>>,
  removals: Record<string, string[]> = {},
): Promise<void> {
  const next: Record<string, Record<string, unknown>> = {};
  for (const stepId of new Set([...Object.keys(overrides), ...Object.keys(removals)])) {
    const step = steps.find((s) => s.id === stepId)!;
    next[stepId] = mergedParams(run, step, overrides[stepId] ?? {}, removals[stepId] ?? []);
  }
  if (Object.keys(next).length === 0) return;
  await run.update((s) => {
    for (const [stepId, params] of Object.entries(next))
      s.steps[stepId] = { ...(s.steps[stepId] ?? StepStateSchema.parse({})), params };
  });
}

/** A param value its step's schema refuses; `param` and `detail` let the app show it beside the field. */
export class InvalidParamError extends UserError {
  constructor(
    readonly stepId: string,
    readonly param: string,
    readonly detail: string,
  ) {
    super(`Invalid params for ${stepId}: ${param}: ${detail}`);
    this.name = 'InvalidParamError';
  }
}

/**
 * Set (and reset) one step's params: the one path for both front ends (`--set`
 * and the app's param editor). Throws a UserError naming the bad or unknown key.
 */
export async function setStepParams(
  run: Run,
  step: AnyStep,
  patch: Record<string, unknown>,
  removals: readonly string[] = [],
): Promise<void> {
  const params = mergedParams(run, step, patch, removals);
  await run.update((s) => {
    s.steps[step.id] = { ...(s.steps[step.id] ?? StepStateSchema.parse({})), params };
  });
}

function mergedParams(
  run: Run,
  step: AnyStep,
  values: Record<string, unknown>,
  removals: readonly string[],
): Record<string, unknown> {
  const kept = { ...(run.state.steps[step.id]?.params ?? {}) };
  for (const k of removals) delete kept[k];
  const merged = { ...kept, ...values };
  const parsed = step.params.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidParamError(
      step.id,
      issue?.path.join('.') || Object.keys(values)[0] || '',
      issue?.message ?? 'invalid',
    );
  }
  // zod drops unknown keys silently: a typo would be stored, ignored, and still make the step stale.
  const known = paramNames(step, parsed.data);
  const unknown = Object.keys(values).filter((k) => !known.includes(k));
  if (unknown.length) {
    throw new UserError(
      `Unknown param "${unknown[0]}" for ${step.id}.`,
      known.length ? `Params of ${step.id}: ${known.join(', ')}.` : `The ${step.id} step has no params.`,
    );
  }
  return merged;
}

/** The step's param names: the object schema's keys when it exposes them, else what parsing kept. */
function paramNames(step: AnyStep, parsed: unknown): string[] {
  const shape = (step.params as unknown as { shape?: Record<string, unknown> }).shape;
  const keys = new Set(Object.keys(shape && typeof shape === 'object' ? shape : {}));
  if (parsed && typeof parsed === 'object') for (const k of Object.keys(parsed)) keys.add(k);
  return [...keys];
}

export async function applyConfig(run: Run, patch: Partial<RunConfig>): Promise<void> {
  await run.update((s) => {
    s.config = { ...s.config, ...patch };
  });
}
