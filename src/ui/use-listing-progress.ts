// While the background lists the account's conversations from the network (a first sign-in on a large inbox
// takes seconds), how many it has found so far: the inbox says so above the rows that are already there.
import { useEffect, useState } from 'preact/hooks';
import { subscribeUpdates } from '@/ui/rpc';

/** The count found so far while a listing runs; undefined when none does (or it has finished). */
export function useListingProgress(): number | undefined {
  const [found, setFound] = useState<number>();
  useEffect(
    () =>
      subscribeUpdates((update) => {
        if (update.kind === 'listing') setFound(update.done ? undefined : update.found);
      }),
    [],
  );
  return found;
}
