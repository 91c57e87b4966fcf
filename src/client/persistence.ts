// Key/value persistence for the client's caches and sync state (docs/client-api.md §2). Values are bytes so the
// same contract fits memory, files (src/client/node) and IndexedDB (the extension).

/** Key/value persistence for caches and sync state; values are bytes. */
export interface Persistence {
  get(key: string): Promise<Uint8Array | undefined>;
  set(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
}

/** Keeps everything in a Map: the default, lost when the client goes away. */
export class MemoryPersistence implements Persistence {
  readonly #entries = new Map<string, Uint8Array>();

  async get(key: string): Promise<Uint8Array | undefined> {
    const value = this.#entries.get(key);
    return value && value.slice();
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    // Copy: callers may reuse their buffer after the call.
    this.#entries.set(key, value.slice());
  }

  async delete(key: string): Promise<void> {
    this.#entries.delete(key);
  }
}

/** Namespaces keys (one identity per prefix) so several clients can share one store. */
export class PrefixedPersistence implements Persistence {
  constructor(
    private readonly inner: Persistence,
    private readonly prefix: string,
  ) {}

  get(key: string): Promise<Uint8Array | undefined> {
    return this.inner.get(this.prefix + key);
  }

  set(key: string, value: Uint8Array): Promise<void> {
    return this.inner.set(this.prefix + key, value);
  }

  delete(key: string): Promise<void> {
    return this.inner.delete(this.prefix + key);
  }
}
