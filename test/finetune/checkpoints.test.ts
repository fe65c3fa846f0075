import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { moveAsideCheckpoints, planTraining } from '../../src/pipeline/finetune/train/checkpoints.js';
import { makeTempDir } from '../helpers/tmp.js';

let tmp: ReturnType<typeof makeTempDir> | null = null;
afterEach(() => tmp?.cleanup());

function outputWith(steps: number[]): string {
  tmp = makeTempDir();
  const out = path.join(tmp.dir, 'saves', 'lora-sft');
  for (const s of steps) {
    fs.mkdirSync(path.join(out, `checkpoint-${s}`), { recursive: true });
    fs.writeFileSync(path.join(out, `checkpoint-${s}`, 'trainer_state.json'), JSON.stringify({ global_step: s }));
  }
  fs.mkdirSync(out, { recursive: true });
  return out;
}

const at = '2026-12-01T00:00:00.000Z';

describe('which checkpoint an interrupted training may resume from', () => {
  it('resumes the latest checkpoint only when the last start in that folder had the same fingerprint', () => {
    const out = outputWith([2, 4]);
    expect(planTraining(out, 'fp-a', { fingerprint: 'fp-a', outputDir: out, startedAt: at })).toEqual({
      kind: 'resume',
      checkpoint: { dir: path.join(out, 'checkpoint-4'), step: 4 },
    });
    const other = planTraining(out, 'fp-b', { fingerprint: 'fp-a', outputDir: out, startedAt: at });
    expect(other).toMatchObject({ kind: 'fresh', overwrite: true });
    expect(other.kind === 'fresh' && other.refused).toMatch(
      /not resuming from checkpoint-4: it was made with another configuration or data \(fingerprint fp-a, now fp-b\)/,
    );
  });

  it('refuses checkpoints nothing accounts for: no record, or a record of another output folder', () => {
    const out = outputWith([6]);
    for (const last of [null, { fingerprint: 'fp-a', outputDir: path.join(out, '..', 'elsewhere'), startedAt: at }]) {
      const plan = planTraining(out, 'fp-a', last);
      expect(plan.kind === 'fresh' && plan.refused).toMatch(
        /not resuming from checkpoint-6: nothing records which configuration made it/,
      );
    }
  });

  it('a fresh start without checkpoints needs overwrite_output_dir only over a non-empty folder', () => {
    const out = outputWith([]);
    expect(planTraining(out, 'fp', null)).toEqual({ kind: 'fresh', overwrite: false, refused: null });
    fs.writeFileSync(path.join(out, 'adapter_config.json'), '{}');
    expect(planTraining(out, 'fp', null)).toEqual({ kind: 'fresh', overwrite: true, refused: null });
  });

  it('moves old checkpoints out of the output folder, into a new folder each time', () => {
    const out = outputWith([2, 4]);
    const first = moveAsideCheckpoints(out, 'fp-a');
    expect(first).toBe(`${out}.superseded/fp-a`);
    expect(fs.readdirSync(first!).sort()).toEqual(['checkpoint-2', 'checkpoint-4']);
    expect(fs.readdirSync(out)).toEqual([]);
    expect(moveAsideCheckpoints(out, 'fp-a')).toBeNull();
    fs.mkdirSync(path.join(out, 'checkpoint-2'));
    expect(moveAsideCheckpoints(out, 'fp-a')).toBe(`${out}.superseded/fp-a-2`);
  });
});
