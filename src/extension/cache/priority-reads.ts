// Reads that go first. The search index's reads (its message ids, its snapshot, the messages it lacks) are wrapped
// in `first`, and the cache's full load (every conversation opened, a chunk at a time) waits on `idle` between
// chunks, so the first search after a worker restart does not share the worker with the opening of 10,000
// conversations (npm run bench -- extension). A full build from every message is not one: it takes seconds, and
// the popup's list waits for the full load.
export interface PriorityReads {
  /** Runs `read` as a priority read: `idle` waits until it has settled. */
  first<T>(read: Promise<T>): Promise<T>;
  /** Resolves once no priority read is running (at once when none is). */
  idle(): Promise<void>;
}

export function createPriorityReads(): PriorityReads {
  let running = 0;
  let waiting: (() => void)[] = [];
  return {
    first(read) {
      running++;
      return read.finally(() => {
        if (--running > 0) return;
        for (const resume of waiting) resume();
        waiting = [];
      });
    },
    idle() {
      return running === 0 ? Promise.resolve() : new Promise((resolve) => waiting.push(resolve));
    },
  };
}
