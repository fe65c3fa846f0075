import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { finetuneStep } from '../../src/pipeline/finetune/step.js';
import { finetuneLayout } from '../../src/pipeline/finetune/export/write.js';
import { FinetuneParamsSchema } from '../../src/pipeline/finetune/params.js';
import { latestCheckpoint } from '../../src/pipeline/finetune/train/outputs.js';
import type { StepEvent } from '../../src/pipeline/steps/contract.js';
import { alive, BIN, logs, makeHarness, stepErrors, waitFor, writeGold, type Harness } from './harness.js';

const FT = { loggingSteps: 1, saveSteps: 2, epochs: 3 };
let h: Harness | null = null;
afterEach(async () => {
  await h?.cleanup();
  h = null;
});

const metrics = (events: StepEvent[]) =>
  events.filter((e): e is Extract<StepEvent, { type: 'metric' }> => e.type === 'metric');

describe('finetune step with stand-in llamafactory-cli on PATH', () => {
  it('exports, trains and merges as child processes with the exact commands, parsing the loss as metric events', async () => {
    h = await makeHarness({ params: { finetune: FT } });
    writeGold(h.run, 8, (i) =>
      i === 1
        ? { status: 'failed', keyinfo: null, reason: 'server: 503' }
        : i === 2
          ? { status: 'parse_error', keyinfo: null, reason: 'no JSON object' }
          : i === 3
            ? { keyinfo: { entity: 'error' } }
            : {},
    );
    const { outcome, events, end } = await h.step(finetuneStep as never);
    expect(outcome).toBe('done');
    const layout = finetuneLayout(h.dir, FinetuneParamsSchema.parse(FT));
    const calls = h.calls().filter((c) => c.tool === 'llamafactory-cli');
    expect(calls.map((c) => c.argv)).toEqual([
      ['train', layout.trainYaml],
      ['export', layout.mergeYaml],
    ]);
    // 5 usable records, 2 GPUs, batch 1 → 3 steps per epoch, 9 steps, a loss every step.
    const loss = metrics(events);
    expect(loss.map((m) => m.x)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(loss.every((m) => m.name === 'loss' && m.y > 0 && m.y < 3)).toBe(true);
    const text = logs(events).join('\n');
    expect(text).toContain('training loss:');
    expect(text).toMatch(/loss \d\.\d{4} at step 1 → \d\.\d{4} at step 9 \(9 points\)/);
    expect(text).toContain('s000001: failed: server: 503');
    expect(text).toContain('s000002: parse_error: no JSON object');
    expect(text).toContain('s000003: entity is "error"');
    expect(text).toContain('prompts are identical');
    expect(events.filter((e) => e.type === 'item' && e.outcome === 'skipped')).toHaveLength(3);
    expect(fs.readFileSync(layout.trainLog, 'utf8')).toContain("{'loss':");
    // The long token-id dump is cut in the live log, kept whole in train.log.
    expect(logs(events).filter((m) => m.startsWith('train | [') && m.includes('chars)'))).toHaveLength(1);
    expect(
      Math.max(
        ...logs(events)
          .filter((m) => m.startsWith('train |'))
          .map((m) => m.length),
      ),
    ).toBeLessThan(500);
    expect(
      fs
        .readFileSync(layout.trainLog, 'utf8')
        .split('\n')
        .some((l) => l.startsWith('[') && l.length > 1000),
    ).toBe(true);
    expect(fs.existsSync(path.join(layout.exportDir, 'config.json'))).toBe(true);
    expect(end && 'summary' in end ? end.summary : '').toMatch(
      /5 records exported \(3 skipped\); training spawned, merge spawned; final loss/,
    );
  });

  it('cancel kills the training process; a restart resumes from the checkpoint; a finished adapter is never retrained', async () => {
    h = await makeHarness({ params: { finetune: FT }, env: { STANDIN_STEP_MS: '100' } });
    writeGold(h.run, 8);
    const ctl = new AbortController();
    const first = await h.step(finetuneStep as never, {
      signal: ctl.signal,
      onEvent: (e) => {
        if (e.type === 'metric' && e.x >= 3) ctl.abort();
      },
    });
    expect(first.outcome).toBe('interrupted');
    const trainPid = h.calls().find((c) => c.argv[0] === 'train')!.pid;
    await waitFor(() => !alive(trainPid));
    const layout = finetuneLayout(h.dir, FinetuneParamsSchema.parse(FT));
    const ckpt = latestCheckpoint(layout.outputDir);
    expect(ckpt?.step).toBeGreaterThanOrEqual(2);
    expect(ckpt!.step).toBeLessThan(12); // 8 records on 2 GPUs: 4 steps per epoch, 12 in all
    expect(fs.existsSync(path.join(layout.outputDir, 'train_results.json'))).toBe(false);

    const second = await h.step(finetuneStep as never, { env: { ...h.env, STANDIN_STEP_MS: '1' } });
    expect(second.outcome, stepErrors(h!)).toBe('done');
    const trains = h.calls().filter((c) => c.argv[0] === 'train');
    expect(trains).toHaveLength(2);
    expect(trains[1]!.argv).toContain(`resume_from_checkpoint=${ckpt!.dir}`);
    // Only the steps after the checkpoint are trained (and logged) again.
    expect(metrics(second.events).map((m) => m.x)).toEqual(
      Array.from({ length: 12 - ckpt!.step }, (_, i) => ckpt!.step + 1 + i),
    );

    const third = await h.step(finetuneStep as never, { force: true });
    expect(third.outcome, stepErrors(h!)).toBe('done');
    expect(h.calls().filter((c) => c.tool === 'llamafactory-cli')).toHaveLength(3); // train, train (resumed), export — nothing new
    expect(logs(third.events).join('\n')).toMatch(/train: already done .*not run again/);
    expect(logs(third.events).join('\n')).toMatch(/merge: already done/);
  });

  it("an interrupted retrain after a config change resumes from its own checkpoint, never from the previous configuration's", async () => {
    h = await makeHarness({ params: { finetune: FT } });
    writeGold(h.run, 8);
    expect((await h.step(finetuneStep as never)).outcome, stepErrors(h!)).toBe('done');
    const layout = finetuneLayout(h.dir, FinetuneParamsSchema.parse(FT));
    expect(latestCheckpoint(layout.outputDir)?.step).toBe(10); // 12 steps, a checkpoint every 2 (none at the end)

    // Same steps and epochs, another learning rate: the stand-in, like the real tool, would load the old weights silently.
    await h.run.update((s) => void (s.steps.finetune!.params = { ...FT, learningRate: 5e-4 }));
    const ctl = new AbortController();
    const cut = await h.step(finetuneStep as never, {
      signal: ctl.signal,
      env: { ...h.env, STANDIN_STEP_MS: '100' },
      onEvent: (e) => {
        if (e.type === 'metric' && e.x >= 3) ctl.abort();
      },
    });
    expect(cut.outcome).toBe('interrupted');
    const trainPids = () => h!.calls().filter((c) => c.argv[0] === 'train');
    expect(trainPids()[1]!.argv).toContain('overwrite_output_dir=true');
    await waitFor(() => !alive(trainPids()[1]!.pid));

    const again = await h.step(finetuneStep as never);
    expect(again.outcome, stepErrors(h!)).toBe('done');
    const argv = trainPids()[2]!.argv;
    const resumed = argv.map((a) => /^resume_from_checkpoint=.*checkpoint-(\d+)$/.exec(a)).find(Boolean);
    expect(argv.join(' '), "resumed from the new training's checkpoint").toMatch(/resume_from_checkpoint=/);
    const step = Number(resumed![1]);
    expect(step).toBeLessThanOrEqual(4);
    expect(metrics(again.events).map((m) => m.x)).toEqual(Array.from({ length: 12 - step }, (_, i) => step + 1 + i));
    expect(
      cut.events.some(
        (e) => e.type === 'log' && /not resuming from checkpoint-10: .*another configuration/.test(e.message),
      ),
    ).toBe(true);
  });

  it('after a LoRA rank change an interruption before the first checkpoint trains from scratch and says why', async () => {
    h = await makeHarness({ params: { finetune: FT } });
    writeGold(h.run, 8);
    expect((await h.step(finetuneStep as never)).outcome, stepErrors(h!)).toBe('done');
    await h.run.update((s) => void (s.steps.finetune!.params = { ...FT, loraRank: 16 }));
    const ctl = new AbortController();
    const cut = await h.step(finetuneStep as never, {
      signal: ctl.signal,
      env: { ...h.env, STANDIN_STEP_MS: '300' },
      onEvent: (e) => {
        if (e.type === 'metric') ctl.abort(); // step 1: before checkpoint-2 is saved
      },
    });
    expect(cut.outcome).toBe('interrupted');
    const trains = () => h!.calls().filter((c) => c.argv[0] === 'train');
    await waitFor(() => !alive(trains()[1]!.pid));

    const again = await h.step(finetuneStep as never);
    expect(again.outcome, stepErrors(h!)).toBe('done');
    expect(trains()[2]!.argv.some((a) => a.startsWith('resume_from_checkpoint='))).toBe(false);
    expect(trains()[2]!.argv).toContain('overwrite_output_dir=true');
    expect(logs(cut.events).join('\n')).toMatch(
      /not resuming from checkpoint-10: it was made with another configuration or data/,
    );
    const layout = finetuneLayout(h.dir, FinetuneParamsSchema.parse({ ...FT, loraRank: 16 }));
    expect(JSON.parse(fs.readFileSync(path.join(layout.outputDir, 'adapter_config.json'), 'utf8')).r).toBe(16);
    expect(metrics(again.events).map((m) => m.x)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });

  it('a training process that exits non-zero fails the step with its last log lines and leaves it resumable', async () => {
    h = await makeHarness({ params: { finetune: FT }, env: { STANDIN_TRAIN_FAIL_AT: '5' } });
    writeGold(h.run, 8);
    const failed = await h.step(finetuneStep as never);
    expect(failed.outcome).toBe('failed');
    const err = h.run.state.steps.finetune!.error!;
    expect(err).toContain('llamafactory-cli train exited with 1');
    expect(err).toContain('CUDA out of memory');
    expect(err).toContain('run the step again');
    const again = await h.step(finetuneStep as never, { env: { ...h.env, STANDIN_TRAIN_FAIL_AT: '' } });
    expect(again.outcome, stepErrors(h!)).toBe('done');
    expect(
      h
        .calls()
        .filter((c) => c.argv[0] === 'train')[1]!
        .argv.some((a) => /resume_from_checkpoint=.*checkpoint-4$/.test(a)),
    ).toBe(true);
  });

  it('without the tools on PATH it prints the exact command and config, waits for the result and verifies it', async () => {
    const nodeOnly = path.dirname(process.execPath);
    h = await makeHarness({ params: { finetune: { ...FT, pollSeconds: 0.05 } }, env: { PATH: nodeOnly } });
    writeGold(h.run, 6);
    const env = h.env;
    const ran: string[] = [];
    const res = await h.step(finetuneStep as never, {
      onEvent: (e) => {
        if (e.type !== 'log') return;
        const m = /^\s+llamafactory-cli (train|export) (\S+)$/.exec(e.message);
        if (!m) return;
        ran.push(m[1]!);
        // The "user" runs the printed command by hand.
        spawn(path.join(BIN, 'llamafactory-cli'), [m[1]!, m[2]!], {
          env: { ...env, PATH: `${nodeOnly}` },
          stdio: 'ignore',
        });
      },
    });
    expect(res.outcome, stepErrors(h!)).toBe('done');
    expect(ran).toEqual(['train', 'export']);
    const text = logs(res.events).join('\n');
    expect(text).toContain('llamafactory-cli is not on PATH');
    expect(text).toContain(`config ${path.join(h.dir, 'finetune', 'train.yaml')}`);
    expect(text).toContain('train: result found and verified');
    expect(h.run.state.steps.finetune!.summary).toMatch(/training manual, merge manual/);
  });

  it('an empty gold set stops with a clear message; a gold set with nothing usable lists why', async () => {
    h = await makeHarness({ params: { finetune: FT } });
    await expect(h.step(finetuneStep as never)).rejects.toThrow(/The gold set is empty/);
    writeGold(h.run, 2, () => ({ status: 'failed', keyinfo: null, reason: 'timeout' }));
    const events: StepEvent[] = [];
    await expect(h.step(finetuneStep as never, { onEvent: (e) => events.push(e) })).rejects.toThrow(
      /No usable gold records: all 2 were skipped/,
    );
    expect(logs(events).join('\n')).toContain('s000000: failed: timeout');
  });
});
