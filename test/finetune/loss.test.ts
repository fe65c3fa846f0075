import { describe, expect, it } from 'vitest';
import { bucketMeans, lossChart } from '../../src/pipeline/finetune/train/chart.js';
import { LossParser, parseLossLog, parseTrainerLog } from '../../src/pipeline/finetune/train/loss.js';

// Shaped like LLaMA-Factory / HF Trainer output: tqdm redraws with \r, log dicts on their own lines.
const LOG = [
  'Converting format of dataset: 100%|██████████| 100/100 [00:00<00:00, 9512.33 examples/s]',
  '[INFO|trainer.py:2422] 2026-11-28 10:00:00 >>   Total optimization steps = 30',
  '  0%|          | 0/30 [00:00<?, ?it/s]\r  3%|▎         | 1/30 [00:02<01:00,  2.01s/it]\r 33%|███▎      | 10/30 [00:20<00:40,  2.00s/it]',
  "{'loss': 1.8731, 'grad_norm': 0.9123, 'learning_rate': 0.0009330127018922195, 'epoch': 0.59}",
  ' 67%|██████▋   | 20/30 [00:40<00:20,  2.00s/it]',
  "{'loss': '0.9312', 'grad_norm': '0.5', 'learning_rate': '5e-04', 'epoch': '1.18'}",
  "{'eval_loss': 0.7, 'epoch': 1.18}",
  '100%|██████████| 30/30 [01:00<00:00,  2.00s/it]',
  "{'loss': 4.5e-01, 'grad_norm': 0.4, 'learning_rate': 0.0, 'epoch': 1.76}",
  "{'train_runtime': 60.1, 'train_samples_per_second': 1.6, 'train_steps_per_second': 0.5, 'train_loss': 1.08, 'epoch': 1.76}",
].join('\n');

describe('loss parsing', () => {
  it('numbers loss logs by logging_steps and skips eval/train summary dicts', () => {
    expect(parseLossLog(LOG)).toEqual([
      { step: 10, loss: 1.8731, epoch: 0.59, learningRate: 0.0009330127018922195 },
      { step: 20, loss: 0.9312, epoch: 1.18, learningRate: 0.0005 },
      { step: 30, loss: 0.45, epoch: 1.76, learningRate: 0 },
    ]);
  });

  it('only the trainer bar counts as progress (not dataset conversion bars)', () => {
    const p = new LossParser(10);
    p.feed('Running tokenizer on dataset: 100%|██████████| 100/100 [00:01<00:00, 80.1 examples/s]');
    expect(p.progress).toBeNull();
    p.feed(' 40%|████      | 12/30 [00:24<00:36,  2.00s/it]');
    expect(p.progress).toEqual({ step: 12, total: 30 });
  });

  it('steps are multiples of logging_steps, continuing after the checkpoint step on resume, whatever the bar says', () => {
    const p = new LossParser(5);
    expect(p.feed("{'loss': 2.0, 'epoch': 0.1}")?.step).toBe(5);
    p.feed(' 20%|██        | 7/30 [00:14<00:46,  2.00s/it]'); // stderr may run ahead of stdout
    expect(p.feed("{'loss': 1.5, 'epoch': 0.2}")?.step).toBe(10);
    expect(p.feed('some other line')).toBeNull();
    const resumed = new LossParser(5, 12);
    expect(resumed.feed("{'loss': 1.1, 'epoch': 0.5}")?.step).toBe(15);
  });

  it("reads LLaMA-Factory's trainer_log.jsonl; a resumed run's repeated steps keep the later value; a torn line is ignored", () => {
    const text = [
      JSON.stringify({ current_steps: 10, total_steps: 30, loss: 1.9, lr: 0.001, epoch: 0.5 }),
      JSON.stringify({ current_steps: 20, total_steps: 30, loss: 1.2, lr: 0.0005, epoch: 1 }),
      JSON.stringify({ current_steps: 20, total_steps: 30, loss: 1.1, lr: 0.0005, epoch: 1 }),
      JSON.stringify({ current_steps: 30, total_steps: 30, eval_loss: 0.9 }),
      '{"current_steps": 30, "lo',
    ].join('\n');
    expect(parseTrainerLog(text).map((p) => [p.step, p.loss])).toEqual([
      [10, 1.9],
      [20, 1.1],
    ]);
  });

  it('draws a terminal chart with the first and last values', () => {
    const pts = parseLossLog(LOG);
    const chart = lossChart(pts, { height: 5 });
    expect(chart.split('\n').length).toBeGreaterThanOrEqual(6);
    expect(chart).toContain('loss 1.8731 at step 10 → 0.4500 at step 30 (3 points)');
    expect(lossChart([])).toBe('(no loss values logged)');
  });

  it('long series are averaged into buckets', () => {
    expect(bucketMeans([1, 3, 5, 7], 2)).toEqual([2, 6]);
    expect(bucketMeans([1, 2], 5)).toEqual([1, 2]);
  });
});
