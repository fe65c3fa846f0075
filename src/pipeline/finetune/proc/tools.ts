import fs from 'node:fs';
import path from 'node:path';
import { runChild } from './child.js';

/** Find an executable on the PATH of the given environment (the step's env, not necessarily process.env). */
export function which(name: string, env: NodeJS.ProcessEnv): string | null {
  const dirs = (env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const dir of dirs) {
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      /* not here */
    }
  }
  return null;
}

export interface Gpu {
  name: string;
  memoryMiB: number | null;
}

/** Parse `nvidia-smi --query-gpu=name,memory.total --format=csv,noheader`. */
export function parseGpuList(text: string): Gpu[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line) => {
      const [name, mem] = line.split(',').map((s) => s.trim());
      const m = /^(\d+)\s*MiB$/i.exec(mem ?? '');
      return { name: name ?? line, memoryMiB: m ? Number(m[1]) : null };
    });
}

export async function queryGpus(
  nvidiaSmi: string,
  env: NodeJS.ProcessEnv,
  logFile: string,
  signal: AbortSignal,
): Promise<Gpu[]> {
  const lines: string[] = [];
  const res = await runChild({
    command: nvidiaSmi,
    args: ['--query-gpu=name,memory.total', '--format=csv,noheader'],
    env,
    logFile,
    signal,
    onLine: (l) => lines.push(l),
  });
  if (res.code !== 0)
    throw new Error(`nvidia-smi exited with ${res.code ?? res.signal}: ${res.tail.slice(-3).join(' | ')}`);
  return parseGpuList(lines.join('\n'));
}

/**
 * Tensor parallel size: all GPUs, capped by the user's limit. vLLM also needs
 * it to divide the model's attention heads; powers of two do for every
 * supported family, so the count is rounded down to one.
 */
export function tensorParallelSize(gpuCount: number, cap: number | null): number {
  const n = Math.max(1, Math.min(gpuCount, cap ?? gpuCount));
  return 2 ** Math.floor(Math.log2(n));
}
