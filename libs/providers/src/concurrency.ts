/** Maps `items` with at most `limit` calls running at once; results keep the input order. */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return results;
}

/**
 * Runs `task` over `items` with at most `limit` running, starting at once, and hands the results
 * out as they finish (not in input order). A new task starts when a result is taken, so at most
 * `limit` results are held while the consumer works on one: a listing of 100,000 sub-users is never
 * all in memory. A failed task fails the iteration (the others' failures are then ignored).
 */
export function prefetching<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): AsyncIterable<R> {
  let next = 0;
  const running = new Map<number, Promise<{ index: number; value: R }>>();
  const start = (): void => {
    const index = next++;
    const promise = task(items[index]).then((value) => ({ index, value }));
    promise.catch(() => undefined); // observed by the race below; never unhandled
    running.set(index, promise);
  };
  while (next < items.length && running.size < Math.max(1, limit)) start();
  return {
    async *[Symbol.asyncIterator]() {
      while (running.size > 0) {
        const { index, value } = await Promise.race(running.values());
        running.delete(index);
        if (next < items.length) start();
        yield value;
      }
    },
  };
}
