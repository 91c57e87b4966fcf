// Overlapping the network with the crypto: while the caller works on one page of envelopes, the request for
// the next page is already out.

/** Lets a just-started request leave before the caller starts synchronous work (a macrotask turn). */
export const turn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** Yields the pages of `pages`, asking for page k + 1 before handing out page k. */
export async function* prefetching<T>(pages: AsyncGenerator<T>): AsyncGenerator<T> {
  let next = pages.next();
  try {
    for (;;) {
      const result = await next;
      if (result.done) return;
      next = pages.next();
      // A consumer that stops early must not leave an unhandled rejection behind.
      next.catch(() => undefined);
      await turn();
      yield result.value;
    }
  } finally {
    await pages.return(undefined).catch(() => undefined);
  }
}
