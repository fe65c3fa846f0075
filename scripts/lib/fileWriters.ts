import { Worker } from 'node:worker_threads';

/**
 * A small pool of worker threads that write files with synchronous calls.
 * Creating ~1 KB files is kernel work (open/create, write, close); doing it on
 * two threads instead of one measured ~1.5x faster on the 2-core box, while
 * async fs calls were slower than plain sync ones. The worker is inline
 * JavaScript so it runs the same under tsx and plain node.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
parentPort.on('message', (batch) => {
  let error = null;
  try {
    for (const [dir, file, text] of batch) {
      if (dir) fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(file, text);
    }
  } catch (e) {
    error = String((e && e.message) || e);
  }
  parentPort.postMessage(error);
});
`;

/** [folder to create first or '', file path, content] */
export type FileJob = [dir: string, file: string, text: string];

export class FileWriterPool {
  private readonly workers: Worker[];
  private readonly pending: number[];
  private readonly waiters: Array<() => void> = [];
  private next = 0;
  private error: string | null = null;

  /** `threads` writers, each with at most `maxBatches` batches queued (bounded memory and writes in flight). */
  constructor(
    threads = 2,
    private readonly maxBatches = 4,
  ) {
    this.workers = Array.from({ length: threads }, () => new Worker(WORKER_SOURCE, { eval: true }));
    this.pending = this.workers.map(() => 0);
    this.workers.forEach((w, i) =>
      w.on('message', (err: string | null) => {
        this.pending[i]!--;
        if (err && !this.error) this.error = err;
        this.waiters.splice(0).forEach((wake) => wake());
      }),
    );
  }

  /** Queue a batch; all files under one folder must be in the same batch (the folder is made first). */
  async write(batch: FileJob[]): Promise<void> {
    if (batch.length === 0) return;
    for (;;) {
      if (this.error) throw new Error(`writing files failed: ${this.error}`);
      // Round robin, skipping writers whose queue is full.
      const n = this.workers.length;
      const i = Array.from({ length: n }, (_, k) => (this.next + k) % n).find(
        (w) => this.pending[w]! < this.maxBatches,
      );
      if (i !== undefined) {
        this.pending[i]!++;
        this.workers[i]!.postMessage(batch);
        this.next = (i + 1) % this.workers.length;
        return;
      }
      await new Promise<void>((wake) => this.waiters.push(wake));
    }
  }

  /** Wait for every queued batch, then stop the workers. */
  async close(): Promise<void> {
    while (this.pending.some((n) => n > 0)) await new Promise<void>((wake) => this.waiters.push(wake));
    await Promise.all(this.workers.map((w) => w.terminate()));
    if (this.error) throw new Error(`writing files failed: ${this.error}`);
  }
}
