// Waiting for something a test cannot be told about (a stream, a worker, another browser): poll until it shows.

/** Polls `read` every `everyMs` until it gives a value (not undefined or false); fails naming `what` after `ms`. */
export async function until<T>(
  read: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  ms = 20_000,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
