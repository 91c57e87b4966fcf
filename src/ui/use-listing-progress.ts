// While the background lists the account's conversations from the network (a first sign-in on a large inbox
// takes seconds), how many it has found so far: the inbox says so above the rows that are already there.
import { useEffect, useState } from 'preact/hooks';
import { call, subscribeUpdates } from '@/ui/rpc';

/** The count found so far while a listing runs; undefined when none does (or it has finished). */
export function useListingProgress(): number | undefined {
  const [found, setFound] = useState<number>();
  useEffect(() => {
    let stopped = false;
    // Bumped by every `listing` update: a state answer asked for before the latest update is older than it.
    let version = 0;
    // A popup opened in the middle of a listing missed the updates sent before it: the worker's state holds
    // the count so far. Asked again when the worker restarted or another account became the active one.
    const ask = () => {
      const asked = version;
      call('state.get', {}).then(
        (state) => {
          if (!stopped && asked === version) setFound(state.listing?.found);
        },
        () => undefined, // the screen shows the worker's errors; this line just stays as it is
      );
    };
    const unsubscribe = subscribeUpdates((update) => {
      if (update.kind === 'listing') {
        version++;
        setFound(update.done ? undefined : update.found);
      } else if (update.kind === 'state' || (update.kind === 'accounts' && update.switched)) ask();
    });
    ask();
    return () => {
      stopped = true;
      unsubscribe();
    };
  }, []);
  return found;
}
