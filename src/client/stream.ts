// Streams handed to callers (docs/client-api.md §6): async iterables with close(). Producers push into a queue;
// the consumer pulls at its own pace. close() (or breaking out of for-await) runs the producer's cleanup.

/** An async iterable of values that ends when closed. */
export interface Stream<T> extends AsyncIterable<T> {
  close(): Promise<void>;
}

/** A push/pull queue behind a Stream: the producer calls push/fail, the consumer iterates. */
export class StreamQueue<T> implements Stream<T> {
  readonly #buffer: T[] = [];
  readonly #waiting: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void }[] = [];
  #closed = false;
  #error: unknown;
  #onClose: (() => Promise<void> | void) | undefined;

  constructor(onClose?: () => Promise<void> | void) {
    this.#onClose = onClose;
  }

  /** Sets (or replaces) what close() runs, for producers that start after the queue exists. */
  setOnClose(onClose: () => Promise<void> | void): void {
    this.#onClose = onClose;
  }

  get closed(): boolean {
    return this.#closed;
  }

  push(value: T): void {
    if (this.#closed) return;
    const waiter = this.#waiting.shift();
    if (waiter) waiter.resolve({ value, done: false });
    else this.#buffer.push(value);
  }

  /** Ends the stream with an error: the consumer's next pull (after buffered values) rejects. */
  fail(error: unknown): void {
    if (this.#closed) return;
    this.#error = error;
    void this.close();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const onClose = this.#onClose;
    this.#onClose = undefined;
    for (const waiter of this.#waiting.splice(0)) {
      if (this.#error !== undefined) waiter.reject(this.#error);
      else waiter.resolve({ value: undefined, done: true });
    }
    await onClose?.();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#buffer.length > 0) return Promise.resolve({ value: this.#buffer.shift()!, done: false });
    if (this.#closed) {
      if (this.#error !== undefined) {
        const error = this.#error;
        this.#error = undefined;
        return Promise.reject(error);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => this.next(),
      return: async () => {
        await this.close();
        return { value: undefined, done: true };
      },
    };
  }
}
