import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { extractStep } from '../../src/pipeline/extract/step.js';
import { goldStep } from '../../src/pipeline/finetune/gold/step.js';
import { followupStep } from '../../src/pipeline/followup/step.js';
import { displayStatus, effectiveParams, stepFingerprint } from '../../src/pipeline/runner/status.js';
import { resolveProfile } from '../../src/pipeline/llm/config.js';
import { hashValue } from '../../src/pipeline/util/hash.js';
import type { AnyStep } from '../../src/pipeline/steps/contract.js';
import { Run } from '../../src/pipeline/store/run.js';
import { applyLlmFlags } from '../../src/cli/commands/llm.js';
import { makeTempDir } from '../helpers/tmp.js';

const cleanups: Array<() => void> = [];
const runs: Run[] = [];
afterEach(async () => {
  await Promise.all(runs.splice(0).map((r) => r.close()));
  cleanups.splice(0).forEach((c) => c());
});

/** A run whose LLM prompt is a file the test can edit in place, with every step marked done. */
async function runWithPromptFile(): Promise<{ run: Run; prompt: string; question: string }> {
  const tmp = makeTempDir('cxr-promptfp-');
  cleanups.push(tmp.cleanup);
  const prompt = path.join(tmp.dir, 'my-prompt.txt');
  fs.writeFileSync(prompt, 'Extract the findings as JSON.\n');
  const question = path.join(tmp.dir, 'positive.txt');
  fs.writeFileSync(question, 'Is there {entity}?\n');
  const run = await Run.open(path.join(tmp.dir, 'run'), { create: true });
  runs.push(run);
  await run.update((s) => void (s.config.backend = 'llm'));
  await applyLlmFlags(run, { endpoint: ['http://127.0.0.1:9/v1'], model: 'extractor', prompt });
  await applyLlmFlags(run, { profile: 'gold', model: 'strong', prompt });
  await run.update((s) => {
    s.steps.followup = { ...(s.steps.followup as object), params: { positiveQuestion: question } } as never;
  });
  for (const step of [extractStep, followupStep, goldStep] as unknown as AnyStep[]) {
    const hash = stepFingerprint(run, step);
    await run.update((s) => {
      s.steps[step.id] = {
        ...(s.steps[step.id] ?? {}),
        status: 'done',
        paramsHash: hash,
        params: s.steps[step.id]?.params ?? {},
        inputVersions: {},
        counts: {},
        summary: '',
        startedAt: null,
        finishedAt: null,
        durationMs: null,
        error: null,
        cursor: {},
      } as never;
    });
  }
  return { run, prompt, question };
}

describe('an edited prompt file is noticed', () => {
  it('extract, followup and gold are current until the prompt text changes, then stale', async () => {
    const { run, prompt } = await runWithPromptFile();
    const steps = [extractStep, followupStep, goldStep] as unknown as AnyStep[];
    for (const step of steps) expect(displayStatus(run, step)).toBe('done');
    fs.writeFileSync(prompt, 'Extract the findings as JSON, and the devices too.\n');
    for (const step of steps) expect([step.id, displayStatus(run, step)]).toEqual([step.id, 'stale']);
    // Putting the text back makes them current again: the content counts, not the file's time.
    fs.writeFileSync(prompt, 'Extract the findings as JSON.\n');
    for (const step of steps) expect(displayStatus(run, step)).toBe('done');
  });

  it('an edited follow-up question file makes followup stale, and only followup', async () => {
    const { run, question } = await runWithPromptFile();
    fs.writeFileSync(question, 'Does the report mention {entity}?\n');
    expect(displayStatus(run, followupStep as unknown as AnyStep)).toBe('stale');
    expect(displayStatus(run, extractStep as unknown as AnyStep)).toBe('done');
  });

  it('a prompt recorded by `llm set` and unchanged since keeps the fingerprint older versions recorded (no upgrade churn)', async () => {
    const { run } = await runWithPromptFile();
    const step = extractStep as unknown as AnyStep;
    const p = resolveProfile(run.state.config);
    // What extract's fingerprint was before the prompt text was read at fingerprint time.
    const older = hashValue({
      params: effectiveParams(run, step),
      config: {
        backend: 'llm',
        model: p.model,
        prompt: p.prompt,
        promptSha: p.promptSha,
        decoding: p.decoding,
        structured: p.structured,
      },
    });
    expect(stepFingerprint(run, step)).toBe(older);
  });
});
