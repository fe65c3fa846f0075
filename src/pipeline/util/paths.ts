import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | null = null;

/** The package root (holds package.json, prompts/, data/), from source or from dist/. */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cxrvqa package root not found');
    dir = up;
  }
  cached = dir;
  return dir;
}

export const dataPath = (...parts: string[]) => path.join(packageRoot(), 'data', ...parts);
export const promptsPath = (...parts: string[]) => path.join(packageRoot(), 'prompts', ...parts);
/** The bundled synthetic corpus (MIMIC layout). */
export const SAMPLE_CORPUS_DIR = () => dataPath('sample');
