// Batch operations report per item (docs/design.md §5.3): one bad envelope does not sink the rest.
import { errorData } from './errors';

export type Settled<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };

/** Runs `fn` on every item, in order, and returns one result or one error (as data) per item. */
export async function settleEach<I, T>(
  items: readonly I[],
  fn: (item: I, index: number) => Promise<T> | T,
): Promise<Settled<T>[]> {
  const out: Settled<T>[] = [];
  for (let i = 0; i < items.length; i++) {
    try {
      out.push({ ok: true, value: await fn(items[i]!, i) });
    } catch (err) {
      out.push({ ok: false, error: errorData(err) });
    }
  }
  return out;
}
