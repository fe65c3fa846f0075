import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commandLine, runChild } from '../../src/pipeline/finetune/proc/child.js';
import { parseGpuList, tensorParallelSize, which } from '../../src/pipeline/finetune/proc/tools.js';
import { makeTempDir } from '../helpers/tmp.js';
import { BIN } from './harness.js';

let tmp: ReturnType<typeof makeTempDir> | null = null;
afterEach(() => tmp?.cleanup());

describe('child processes and tools', () => {
  it('tees output to the log, splits carriage-return redraws into lines and keeps a tail', async () => {
    tmp = makeTempDir();
    const log = path.join(tmp.dir, 'x.log');
    const lines: string[] = [];
    const res = await runChild({
      command: process.execPath,
      args: ['-e', "process.stderr.write('a 1/3\\r a 2/3\\r a 3/3\\n'); console.log('done'); process.exit(3)"],
      env: process.env,
      logFile: log,
      signal: new AbortController().signal,
      onLine: (l) => lines.push(l),
      tailLines: 2,
    });
    expect(res.code).toBe(3);
    expect(lines.map((l) => l.trim()).sort()).toEqual(['a 1/3', 'a 2/3', 'a 3/3', 'done'].sort());
    expect(res.tail).toHaveLength(2);
    expect(fs.readFileSync(log, 'utf8')).toMatch(/\$ .*node.* -e[\s\S]*done[\s\S]*# exit 3/);
  });

  it('a command that cannot start resolves with 127 and the reason', async () => {
    tmp = makeTempDir();
    const res = await runChild({
      command: path.join(tmp.dir, 'nope'),
      args: [],
      env: process.env,
      logFile: path.join(tmp.dir, 'y.log'),
      signal: new AbortController().signal,
    });
    expect(res.code).toBe(127);
    expect(res.tail.join('\n')).toContain('failed to start');
  });

  it('finds executables on the PATH of the given environment only', () => {
    expect(which('llamafactory-cli', { PATH: BIN })).toBe(path.join(BIN, 'llamafactory-cli'));
    expect(which('llamafactory-cli', { PATH: '/nonexistent' })).toBeNull();
    expect(which('lib', { PATH: BIN })).toBeNull(); // a folder is not a tool
  });

  it('parses nvidia-smi CSV and derives the tensor parallel size', () => {
    expect(parseGpuList('NVIDIA A100-SXM4-80GB, 81920 MiB\nNVIDIA A100-SXM4-80GB, 81920 MiB\n')).toEqual([
      { name: 'NVIDIA A100-SXM4-80GB', memoryMiB: 81920 },
      { name: 'NVIDIA A100-SXM4-80GB', memoryMiB: 81920 },
    ]);
    expect([1, 2, 3, 6, 8].map((n) => tensorParallelSize(n, null))).toEqual([1, 2, 2, 4, 8]);
    expect(tensorParallelSize(8, 2)).toBe(2);
    expect(tensorParallelSize(0, null)).toBe(1);
  });

  it('quotes arguments for the printed command line', () => {
    expect(commandLine('vllm', ['serve', '/a b/m', "it's"])).toBe(`vllm serve '/a b/m' 'it'\\''s'`);
  });
});
