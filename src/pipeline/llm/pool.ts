/**
 * Continuous worker pool: `concurrency` workers pull from one iterator, so a new
 * item starts the moment one finishes (no batch barrier). Stops pulling when the
 * signal fires; items already started run to their own end.
 */
export async function runPool<T>(
  items: Iterable<T> | AsyncIterable<T>,
  concurrency: number,
  fn: (item: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  const it =
    Symbol.asyncIterator in (items as object)
      ? (items as AsyncIterable<T>)[Symbol.asyncIterator]()
      : (items as Iterable<T>)[Symbol.iterator]();
  let failed: unknown = null;
  const worker = async () => {
    while (!signal?.aborted && failed === null) {
      const next = await it.next();
      if (next.done) return;
      try {
        await fn(next.value);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  if (failed !== null) throw failed;
}
