// libp2p 2.x (it-queue, mortice, abort-error) calls Promise.withResolvers, which Node 20 lacks
// (docs/design.md §3). Imported first by the modules that load libp2p; a no-op on Node 22.
const P = Promise as unknown as { withResolvers?: unknown };
if (typeof P.withResolvers !== 'function') {
  P.withResolvers = function withResolvers<T>() {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

export {};
