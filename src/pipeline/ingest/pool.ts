/**
 * Map over an async iterable with at most `limit` tasks in flight, yielding
 * results in input order (so artifacts are deterministic). Stops pulling new
 * inputs once `signal` is aborted; tasks already started are still yielded.
 */
export async function* orderedMap<T, R>(
  input: AsyncIterable<T> | Iterable<T>,
  limit: number,
  fn: (item: T) => Promise<R>,
  signal?: AbortSignal,
): AsyncGenerator<R> {
  const queue: Promise<R>[] = [];
  for await (const item of input) {
    if (signal?.aborted) break;
    const p = fn(item);
    // Avoid unhandled-rejection noise while the promise waits in the queue; it is awaited below.
    p.catch(() => {});
    queue.push(p);
    if (queue.length >= limit) yield await queue.shift()!;
  }
  while (queue.length) yield await queue.shift()!;
}
