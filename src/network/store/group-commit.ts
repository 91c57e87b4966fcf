// Group commit: inserts that arrive in the same event-loop turn (concurrent publishes) are written
// to the underlying store as one batch, so N single-envelope publishes cost one transaction (SQLite)
// or one statement and round trip (PostgreSQL) instead of N. Each caller still gets its own flags,
// only after the shared batch is durable, and a failing batch is retried caller by caller so one bad
// publish never fails another.
import type { EnvelopeStore, NewEnvelope } from './store';

interface Waiting {
  envelopes: NewEnvelope[];
  resolve(flags: boolean[]): void;
  reject(error: unknown): void;
}

/**
 * Wraps `store` so that concurrent `insert` calls share one underlying insert. `inFlight` groups may
 * be written at once (default 1); the SQLite store takes 2, so its writer thread starts on the next
 * group while the main thread answers the last one.
 */
export function withGroupCommit<S extends EnvelopeStore>(store: S, options: { inFlight?: number } = {}): S {
  const limit = options.inFlight ?? 1;
  let waiting: Waiting[] = [];
  let writing = 0;
  let scheduled = false;

  const flush = async (group: Waiting[]): Promise<void> => {
    if (group.length === 1) {
      const [only] = group as [Waiting];
      await store.insert(only.envelopes).then(only.resolve, only.reject);
      return;
    }
    try {
      // Concatenated in arrival order: a digest that two callers both send is new for the first only,
      // exactly as if they had been inserted one after the other.
      const flags = await store.insert(group.flatMap((w) => w.envelopes));
      let at = 0;
      for (const w of group) {
        w.resolve(flags.slice(at, at + w.envelopes.length));
        at += w.envelopes.length;
      }
    } catch {
      for (const w of group) await store.insert(w.envelopes).then(w.resolve, w.reject);
    }
  };

  // Whatever arrives while `limit` groups are being written becomes the next group (classic group
  // commit).
  const start = (): void => {
    scheduled = false;
    if (waiting.length === 0 || writing >= limit) return;
    const group = waiting;
    waiting = [];
    writing++;
    void flush(group).then(() => {
      writing--;
      schedule();
    });
  };
  const schedule = (): void => {
    if (scheduled || waiting.length === 0 || writing >= limit) return;
    scheduled = true;
    // setImmediate runs after the current I/O phase: every request body that completed in it joins.
    setImmediate(start);
  };

  const insert = (envelopes: NewEnvelope[]): Promise<boolean[]> => {
    if (envelopes.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      waiting.push({ envelopes, resolve, reject });
      schedule();
    });
  };

  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'insert') return insert;
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
