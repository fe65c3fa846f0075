import fs from 'node:fs';
import path from 'node:path';
import { hashValue } from '../../util/hash.js';

/**
 * What finished training and merging leave on disk, and markers that tie those
 * results to the config that produced them, so a restart skips finished work
 * and a changed config retrains.
 */

export interface StageMarker {
  /** Hash of the config (and inputs) the result was produced with. */
  fingerprint: string;
  finishedAt: string;
  how: 'spawned' | 'manual';
}

export function configFingerprint(...parts: unknown[]): string {
  return hashValue(parts);
}

export function readMarker(file: string): StageMarker | null {
  try {
    const m = JSON.parse(fs.readFileSync(file, 'utf8')) as StageMarker;
    return typeof m.fingerprint === 'string' ? m : null;
  } catch {
    return null;
  }
}

export function writeMarker(file: string, m: StageMarker): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(m, null, 2) + '\n');
}

const exists = (dir: string, name: string) => fs.existsSync(path.join(dir, name));

/** Problems with a LoRA output folder (empty = a finished adapter). */
export function adapterProblems(outputDir: string): string[] {
  const problems: string[] = [];
  if (!fs.existsSync(outputDir)) return [`${outputDir} does not exist`];
  if (!exists(outputDir, 'adapter_config.json')) problems.push('adapter_config.json missing');
  if (!exists(outputDir, 'adapter_model.safetensors') && !exists(outputDir, 'adapter_model.bin'))
    problems.push('adapter_model.safetensors missing');
  // Written by the trainer only at the end of train(), so a killed run never has it.
  if (!exists(outputDir, 'train_results.json') && !exists(outputDir, 'all_results.json'))
    problems.push('train_results.json missing (training did not finish)');
  return problems;
}

/** Problems with a merged model folder (empty = ready to serve). */
export function mergedProblems(exportDir: string): string[] {
  const problems: string[] = [];
  if (!fs.existsSync(exportDir)) return [`${exportDir} does not exist`];
  if (!exists(exportDir, 'config.json')) problems.push('config.json missing');
  if (!exists(exportDir, 'tokenizer_config.json')) problems.push('tokenizer_config.json missing');
  const weights = fs.readdirSync(exportDir).filter((f) => /\.(safetensors|bin)$/.test(f));
  if (weights.length === 0) problems.push('no weight files (*.safetensors)');
  return problems;
}

/** The latest `checkpoint-N` folder, to resume an interrupted training from. */
export function latestCheckpoint(outputDir: string): { dir: string; step: number } | null {
  let best: { dir: string; step: number } | null = null;
  try {
    for (const name of fs.readdirSync(outputDir)) {
      const m = /^checkpoint-(\d+)$/.exec(name);
      if (!m) continue;
      const dir = path.join(outputDir, name);
      // A checkpoint is complete once the trainer state is written (the last thing saved).
      if (!fs.existsSync(path.join(dir, 'trainer_state.json'))) continue;
      const step = Number(m[1]);
      if (!best || step > best.step) best = { dir, step };
    }
  } catch {
    return null;
  }
  return best;
}

/** The chat template the merged model carries (tokenizer_config.json or chat_template.jinja). */
export function modelChatTemplate(modelDir: string): string | null {
  try {
    const jinja = path.join(modelDir, 'chat_template.jinja');
    if (fs.existsSync(jinja)) return fs.readFileSync(jinja, 'utf8');
    const cfg = JSON.parse(fs.readFileSync(path.join(modelDir, 'tokenizer_config.json'), 'utf8')) as {
      chat_template?: unknown;
    };
    if (typeof cfg.chat_template === 'string') return cfg.chat_template;
    if (Array.isArray(cfg.chat_template)) {
      const def = (cfg.chat_template as Array<{ name?: string; template?: string }>).find((t) => t.name === 'default');
      return def?.template ?? null;
    }
    return null;
  } catch {
    return null;
  }
}
