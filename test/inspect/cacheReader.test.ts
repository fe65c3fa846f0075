import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CacheReader } from '../../src/pipeline/inspect/cacheReader.js';

const key = (n: number) => String(n).repeat(64).slice(0, 64);
const line = (n: number, text = `reply ${n}`) =>
  JSON.stringify({ key: key(n), text, finishReason: 'stop', usage: null, model: 'm', endpoint: 'e', at: 'now' }) + '\n';

describe('the read-only response cache reader', () => {
  it('never indexes or cuts a line still being written, and picks it up once it is whole', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cxr-cache-reader-'));
    const file = path.join(dir, 'responses.jsonl');
    const half = line(4).slice(0, 40);
    fs.writeFileSync(file, line(1) + line(2) + line(3) + half);
    const size = fs.statSync(file).size;
    const reader = new CacheReader(file);
    await reader.warm();
    expect(reader.get(key(2))?.text).toBe('reply 2');
    expect(reader.get(key(4))).toBeNull();
    // The step that writes the cache owns the file: the reader left the torn bytes where they were.
    expect(fs.statSync(file).size).toBe(size);
    fs.appendFileSync(file, line(4).slice(40));
    expect(reader.get(key(4))?.text).toBe('reply 4');
    // The first answer stored for a key is the one the cache serves.
    fs.appendFileSync(file, line(1, 'a later copy'));
    expect(reader.get(key(1))?.text).toBe('reply 1');
  });

  it('answers null for a cache that does not exist, without creating it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cxr-cache-reader-'));
    const file = path.join(dir, 'llm-cache', 'responses.jsonl');
    expect(new CacheReader(file).get(key(1))).toBeNull();
    expect(fs.existsSync(path.dirname(file))).toBe(false);
  });
});
