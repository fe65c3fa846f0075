import fs from 'node:fs';
import path from 'node:path';
import { latestCheckpoint } from './outputs.js';

/**
 * Which `checkpoint-N` folders an interrupted training may resume from.
 * `overwrite_output_dir` does not remove the checkpoints of an earlier
 * configuration, and resuming from one would continue from (or simply be)
 * the old weights. So each training start is recorded with the fingerprint of
 * its config and data; the checkpoints in the output folder belong to that
 * fingerprint only, and a fresh start moves any others out of the folder.
 */

export interface TrainingStart {
  /** Fingerprint of train.yaml, the dataset and the DeepSpeed config. */
  fingerprint: string;
  /** The output folder the training writes its checkpoints to. */
  outputDir: string;
  startedAt: string;
}

export type TrainingPlan =
  | { kind: 'resume'; checkpoint: { dir: string; step: number } }
  | {
      kind: 'fresh';
      /** The output folder is not empty: the tool needs `overwrite_output_dir`. */
      overwrite: boolean;
      /** Why the latest checkpoint there was not resumed (null when there was none). */
      refused: string | null;
    };

export function readTrainingStart(file: string): TrainingStart | null {
  try {
    const m = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<TrainingStart>;
    return typeof m.fingerprint === 'string' && typeof m.outputDir === 'string' && typeof m.startedAt === 'string'
      ? (m as TrainingStart)
      : null;
  } catch {
    return null;
  }
}

export function writeTrainingStart(file: string, start: TrainingStart): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(start, null, 2) + '\n');
}

/** Resume only when the last start in this output folder had the same fingerprint; otherwise say why not. */
export function planTraining(outputDir: string, fingerprint: string, last: TrainingStart | null): TrainingPlan {
  const ckpt = latestCheckpoint(outputDir);
  const nonEmpty = fs.existsSync(outputDir) && fs.readdirSync(outputDir).length > 0;
  if (!ckpt) return { kind: 'fresh', overwrite: nonEmpty, refused: null };
  const mine = last !== null && last.outputDir === outputDir && last.fingerprint === fingerprint;
  if (mine) return { kind: 'resume', checkpoint: ckpt };
  const name = path.basename(ckpt.dir);
  const reason =
    last === null || last.outputDir !== outputDir
      ? `not resuming from ${name}: nothing records which configuration made it`
      : `not resuming from ${name}: it was made with another configuration or data (fingerprint ${last.fingerprint.slice(0, 12)}, now ${fingerprint.slice(0, 12)})`;
  return { kind: 'fresh', overwrite: true, refused: reason };
}

/**
 * Move every `checkpoint-N` folder out of the output folder, into
 * `<outputDir>.superseded/<label>/`, so neither this step nor the tool's own
 * auto-resume can pick one up; returns where they went (null when none).
 */
export function moveAsideCheckpoints(outputDir: string, label: string): string | null {
  let names: string[];
  try {
    names = fs.readdirSync(outputDir).filter((n) => /^checkpoint-\d+$/.test(n));
  } catch {
    return null;
  }
  if (names.length === 0) return null;
  const dest = uniqueDir(path.join(`${outputDir}.superseded`, label));
  fs.mkdirSync(dest, { recursive: true });
  for (const n of names) fs.renameSync(path.join(outputDir, n), path.join(dest, n));
  return dest;
}

function uniqueDir(base: string): string {
  let dir = base;
  for (let i = 2; fs.existsSync(dir); i++) dir = `${base}-${i}`;
  return dir;
}
