import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyParams } from '../../src/pipeline/runner/configure.js';
import { runStep } from '../../src/pipeline/runner/runner.js';
import type { ExtractionResult } from '../../src/pipeline/schemas/extraction.js';
import { ChangeLogRowSchema, type ChangeLogRow } from '../../src/pipeline/standardize/changes.js';
import { selectInput, StandardizedRowSchema, type StandardizedRow } from '../../src/pipeline/standardize/input.js';
import { standardizeStep } from '../../src/pipeline/standardize/step.js';
import type { AnyStep, RunnerEvent } from '../../src/pipeline/steps/contract.js';
import { findStep, STEPS } from '../../src/pipeline/steps/registry.js';
import { UserError } from '../../src/pipeline/util/errors.js';
import { Run } from '../../src/pipeline/store/run.js';
import { makeTempDir } from '../helpers/tmp.js';

let tmp: ReturnType<typeof makeTempDir>;
afterEach(() => tmp?.cleanup());

const step = standardizeStep as unknown as AnyStep;

async function newRun(rawRows: ExtractionResult[], followups: object[] = []): Promise<Run> {
  tmp = makeTempDir();
  const run = await Run.open(tmp.dir, { create: true });
  const raw = run.artifact<ExtractionResult>('raw');
  raw.appendMany(rawRows);
  raw.close();
  if (followups.length) {
    const fu = run.artifact<{ study_id: string }>('followup');
    fu.appendMany(followups as { study_id: string }[]);
    fu.close();
  }
  return run;
}

const ok = (id: string, keyinfo: unknown): ExtractionResult => ({
  study_id: id,
  status: 'ok',
  keyinfo,
  backend: 'llm',
});

async function read<T extends { study_id: string }>(
  run: Run,
  name: string,
  schema: import('zod').ZodType<T>,
): Promise<T[]> {
  const out: T[] = [];
  for await (const r of run.artifact<T>(name, schema).lines()) out.push(r);
  return out;
}

describe('standardize step', () => {
  it('is registered after extract and before followup/questions', () => {
    expect(findStep('standardize')).toBe(step);
    const ids = STEPS.map((s) => s.id);
    const at = ids.indexOf('standardize');
    for (const before of ['ingest', 'reference', 'gold', 'finetune', 'serve', 'extract'])
      if (ids.includes(before)) expect(ids.indexOf(before)).toBeLessThan(at);
    for (const after of ['followup', 'questions'])
      if (ids.includes(after)) expect(ids.indexOf(after)).toBeGreaterThan(at);
  });

  it('standardizes usable records, skips unusable ones with counted reasons, prefers follow-up results, writes dictionaries', async () => {
    const run = await newRun(
      [
        ok('s1', { entity: { 'left pleural effusions': 'small' }, no_entity: 'pneumothorax' }),
        { study_id: 's2', status: 'repaired', keyinfo: { entity: ['edema'] }, backend: 'llm' },
        { study_id: 's3', status: 'parse_error', keyinfo: null, raw_text: '{oops', backend: 'llm' },
        { study_id: 's4', status: 'filtered', keyinfo: null, backend: 'llm' },
        { study_id: 's5', status: 'failed', keyinfo: null, reason: 'timeout', backend: 'llm' },
        ok('s6', { entity: { atelectasis: {} } }),
      ],
      [
        { study_id: 's6', keyinfo: { entity: { atelectasis: {} }, no_entity: ['edema'] }, cycle: 1 },
        { study_id: 's6', keyinfo: { entity: { pneumonia: {} } }, cycle: 2 },
      ],
    );
    const events: RunnerEvent[] = [];
    const outcome = await runStep(run, step, {
      signal: new AbortController().signal,
      env: { confirmations: new Set(), env: {}, cycle: 2 },
      onEvent: (e) => events.push(e),
    });
    expect(outcome).toBe('done');
    const rows = await read<StandardizedRow>(run, 'standardized', StandardizedRowSchema);
    expect(rows.map((r) => r.study_id)).toEqual(['s1', 's2', 's6']);
    expect(rows[0]).toEqual({
      study_id: 's1',
      cycle: 2,
      source: 'raw',
      keyinfo: {
        opacity_vs_clear: {},
        entity: { 'pleural effusion': { location: 'left', level: 'small', type: null } },
        uncertain_entity: {},
        no_entity: ['pneumothorax'],
      },
    });
    expect(rows[2]).toMatchObject({
      source: 'followup',
      keyinfo: { entity: { pneumonia: { location: null, level: null, type: null } } },
    });
    const changes = await read<ChangeLogRow>(run, 'std-changes', ChangeLogRowSchema);
    expect(changes.map((c) => c.study_id)).toEqual(['s1', 's2', 's6']);
    expect(changes[0]!.changes.some((c) => c.kind === 'renamed' && c.after === 'pleural effusion')).toBe(true);

    const counts = run.state.steps.standardize!.counts;
    expect(counts).toMatchObject({
      standardized: 3,
      skipped: 3,
      'skipped:raw status parse_error': 1,
      'skipped:raw status filtered': 1,
      'skipped:raw status failed': 1,
    });
    expect(run.state.steps.standardize!.summary).toMatch(/skipped 3/);
    const skippedItems = events.flatMap((e) =>
      e.type === 'step-event' && e.event.type === 'item' && e.event.outcome === 'skipped' ? [e.event.key] : [],
    );
    expect(skippedItems).toEqual(['s3', 's4', 's5']);
    const warns = events.flatMap((e) =>
      e.type === 'step-event' && e.event.type === 'log' && e.event.level === 'warn' ? [e.event.message] : [],
    );
    expect(warns).toContain(
      'skipped 3 studies without a usable KeyInfo (raw status parse_error: 1, raw status filtered: 1, raw status failed: 1)',
    );

    const dictDir = path.join(run.dir, 'dictionaries');
    const entity = JSON.parse(fs.readFileSync(path.join(dictDir, 'entity_dict.json'), 'utf8'));
    expect(entity).toEqual({ edema: 1, 'left pleural effusions': 1, pneumonia: 1 });
    expect(fs.existsSync(path.join(dictDir, 'entity_dict.csv'))).toBe(true);
    await run.close();
  });

  it('without extraction results it stops with a clear message', async () => {
    tmp = makeTempDir();
    const run = await Run.open(tmp.dir, { create: true });
    const err = await runStep(run, step, {
      signal: new AbortController().signal,
      env: { confirmations: new Set(), env: {} },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toMatch(/needs the raw artifact first/i);
    expect((err as UserError).hint).toMatch(/--steps extract,standardize/);
    await run.close();
  });

  it('input selection: latest follow-up first, then a usable raw result, else a reason', () => {
    const raw = ok('a', { entity: {} });
    expect(selectInput('a', raw, { study_id: 'a', keyinfo: { x: 1 }, cycle: 1 })).toMatchObject({
      kind: 'use',
      source: 'followup',
    });
    expect(selectInput('a', raw, undefined)).toMatchObject({ kind: 'use', source: 'raw' });
    expect(selectInput('a', { ...raw, status: 'parse_error', keyinfo: null }, undefined)).toEqual({
      kind: 'skip',
      study_id: 'a',
      reason: 'raw status parse_error',
    });
    expect(selectInput('a', undefined, undefined)).toMatchObject({ kind: 'skip', reason: 'no extraction result' });
  });

  it('stops between batches when aborted and resumes by study_id without repeating or losing a study', async () => {
    const n = 2500;
    const run = await newRun(
      Array.from({ length: n }, (_, i) => ok(`st${i}`, { entity: { [`finding ${i % 7}`]: ['left'] } })),
    );
    const ac = new AbortController();
    const env = { confirmations: new Set<string>(), env: {} };
    const first = await runStep(run, step, {
      signal: ac.signal,
      env,
      onEvent: (e) => {
        if (e.type === 'step-event' && e.event.type === 'progress' && e.event.done >= 1000) ac.abort();
      },
    });
    expect(first).toBe('interrupted');
    const partial = await read<StandardizedRow>(run, 'standardized', StandardizedRowSchema);
    expect(partial.length).toBe(1000);

    const second = await runStep(run, step, { signal: new AbortController().signal, env });
    expect(second).toBe('done');
    const rows = await read<StandardizedRow>(run, 'standardized', StandardizedRowSchema);
    const ids = rows.map((r) => r.study_id);
    expect(ids.length).toBe(n);
    expect(new Set(ids).size).toBe(n);
    expect(run.state.steps.standardize!.counts.standardized).toBe(n);
    expect(run.state.steps.standardize!.summary).toMatch(/1000 kept from before/);
    await run.close();
  });

  it('a reviewed-terms folder without a Term column fails before any output is written', async () => {
    const run = await newRun([ok('s1', { entity: { edema: {} } })]);
    const reviewed = path.join(tmp.dir, 'reviewed');
    fs.mkdirSync(reviewed);
    fs.writeFileSync(path.join(reviewed, 'level_dict_checked.csv'), 'Word,Note\nsmall,x\n');
    await applyParams(run, [step], { standardize: { reviewedTermsDir: reviewed } });
    await expect(
      runStep(run, step, { signal: new AbortController().signal, env: { confirmations: new Set(), env: {} } }),
    ).rejects.toThrow(/level_dict_checked.csv has no "Term" column/);
    expect(fs.existsSync(run.artifactPath('standardized'))).toBe(false);
    await run.close();
  });

  it('applies reviewed term lists from params and exports review sheets', async () => {
    const run = await newRun([ok('s1', { entity: { widget: {}, edema: {} } })]);
    const reviewed = path.join(tmp.dir, 'reviewed');
    fs.mkdirSync(reviewed);
    fs.writeFileSync(path.join(reviewed, 'entity_dict_checked.csv'), 'Term,Comment\nwidget,not a finding\nedema,OK\n');
    await applyParams(run, [step], { standardize: { reviewedTermsDir: reviewed, exportReviewCsv: true } });
    expect(
      await runStep(run, step, { signal: new AbortController().signal, env: { confirmations: new Set(), env: {} } }),
    ).toBe('done');
    const rows = await read<StandardizedRow>(run, 'standardized', StandardizedRowSchema);
    expect(Object.keys(rows[0]!.keyinfo.entity)).toEqual(['edema']);
    expect(fs.readFileSync(path.join(run.dir, 'dictionaries', 'entity_review.csv'), 'utf8')).toBe(
      'Term,Comment\nedema,\nwidget,\n',
    );
    await run.close();
  });
});
