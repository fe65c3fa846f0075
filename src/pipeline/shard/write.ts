import fs from 'node:fs';
import path from 'node:path';
import { scanLines } from '../llm/lineFile.js';
import { sha256 } from '../util/hash.js';
import { UserError } from '../util/errors.js';
import { MANIFEST, type ShardEntry, type ShardManifest } from './manifest.js';

/**
 * A shard set: the requests cut into N request files of nearly equal size, the
 * manifest, and two scripts that run `vllm run-batch` on each file with the
 * served model's settings: a SLURM job array (one task per shard) and a plain
 * shell loop for a machine without a scheduler.
 */

export interface SlurmOptions {
  gpus: number;
  time: string;
  partition: string | null;
}

export interface ShardSetSpec {
  out: string;
  shards: number;
  run: string;
  stage: string;
  cycle: number | null;
  model: string;
  vllmArgs: string[];
  decoding: Record<string, unknown>;
  slurm: SlurmOptions;
}

/** Lines of a batch input file, without loading more than the file. */
function lines(file: string): Buffer[] {
  const data = fs.readFileSync(file);
  const out: Buffer[] = [];
  scanLines(data, (start, nl) => out.push(data.subarray(start, nl + 1)));
  return out;
}

const q = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export function writeShardSet(requestsFile: string, spec: ShardSetSpec): ShardManifest {
  if (fs.existsSync(path.join(spec.out, MANIFEST)))
    throw new UserError(
      `${spec.out} already holds a shard set.`,
      'Import it (cxrvqa import DIR), write the missing requests elsewhere (cxrvqa shard --missing-from DIR --out NEW), or remove it.',
    );
  fs.mkdirSync(spec.out, { recursive: true });
  const all = lines(requestsFile);
  const n = Math.max(1, Math.min(spec.shards, all.length));
  const shards: ShardEntry[] = [];
  for (let k = 0; k < n; k++) {
    const part = all.slice(Math.floor((k * all.length) / n), Math.floor(((k + 1) * all.length) / n));
    const body = Buffer.concat(part);
    const input = `shard_${k}.jsonl`;
    fs.writeFileSync(path.join(spec.out, input), body);
    shards.push({ index: k, input, output: `out_${k}.jsonl`, sha256: sha256(body), requests: part.length });
  }
  const manifest: ShardManifest = {
    format: 'cxrvqa-shards/1',
    createdAt: new Date().toISOString(),
    run: spec.run,
    stage: spec.stage,
    cycle: spec.cycle,
    model: spec.model,
    vllmArgs: spec.vllmArgs,
    decoding: spec.decoding,
    requests: all.length,
    shards,
  };
  fs.writeFileSync(path.join(spec.out, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
  const runBatch = (k: string) =>
    `vllm run-batch -i "$DIR/shard_${k}.jsonl" -o "$DIR/out_${k}.jsonl.part" ${spec.vllmArgs.map(q).join(' ')} && mv "$DIR/out_${k}.jsonl.part" "$DIR/out_${k}.jsonl"`;
  const sbatch = [
    '#!/bin/bash',
    `#SBATCH --job-name=cxrvqa-${spec.stage}`,
    `#SBATCH --array=0-${n - 1}`,
    `#SBATCH --gres=gpu:${spec.slurm.gpus}`,
    `#SBATCH --time=${spec.slurm.time}`,
    ...(spec.slurm.partition ? [`#SBATCH --partition=${spec.slurm.partition}`] : []),
    `#SBATCH --output=slurm_%A_%a.log`,
    '# One array task per shard; the output appears under its final name only when run-batch finished.',
    'set -euo pipefail',
    // SLURM runs a copy of the script from its spool folder: the shard folder is written in.
    `DIR="\${CXRVQA_SHARD_DIR:-${path.resolve(spec.out)}}"`,
    'K="${SLURM_ARRAY_TASK_ID:?run this with sbatch}"',
    runBatch('$K'),
    '',
  ].join('\n');
  const sh = [
    '#!/bin/sh',
    '# Every shard in turn on this machine (shards already answered are skipped); then: cxrvqa import DIR',
    'set -eu',
    'DIR="$(cd "$(dirname "$0")" && pwd)"',
    `for K in $(seq 0 ${n - 1}); do`,
    '  [ -f "$DIR/out_$K.jsonl" ] && continue',
    `  ${runBatch('$K')}`,
    'done',
    '',
  ].join('\n');
  fs.writeFileSync(path.join(spec.out, 'run.sbatch'), sbatch, { mode: 0o755 });
  fs.writeFileSync(path.join(spec.out, 'run.sh'), sh, { mode: 0o755 });
  return manifest;
}
