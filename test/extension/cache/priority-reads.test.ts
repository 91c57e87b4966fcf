import { describe, expect, it } from 'vitest';
import { createPriorityReads } from '@/extension/cache/priority-reads';

/** A promise and the means to settle it from the test. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('priority reads (the search index before the full load)', () => {
  it('lets a waiter through at once when no priority read runs', async () => {
    let through = false;
    void createPriorityReads()
      .idle()
      .then(() => (through = true));
    await flush();
    expect(through).toBe(true);
  });

  it('holds waiters until every priority read has settled, failed ones too, and passes results through', async () => {
    const reads = createPriorityReads();
    const ids = deferred<string[]>();
    const snapshot = deferred<unknown>();
    const gotIds = reads.first(ids.promise);
    const gotSnapshot = reads.first(snapshot.promise).catch((e: unknown) => e);
    let through = 0;
    void reads.idle().then(() => through++);
    void reads.idle().then(() => through++);
    ids.resolve(['a', 'b']);
    expect(await gotIds).toEqual(['a', 'b']);
    await flush();
    expect(through).toBe(0); // the snapshot still reads
    snapshot.reject(new Error('cache_corrupt'));
    expect(((await gotSnapshot) as Error).message).toBe('cache_corrupt');
    await flush();
    expect(through).toBe(2);
    // Idle again: a later waiter does not wait, and a later read holds the next ones.
    const later = deferred<number>();
    void reads.first(later.promise);
    let next = false;
    void reads.idle().then(() => (next = true));
    await flush();
    expect(next).toBe(false);
    later.resolve(1);
    await flush();
    expect(next).toBe(true);
  });
});
