// Peers' ENS names and avatars in the popup: one store for every row and header, asked in batches, hex until the
// background knows a name (it looks names up on its own and says which became known). Avatars become blob: URLs
// kept for the popup's life. The app hands these hooks to the components through PeerNamesContext
// (components/peer.tsx), so the components themselves need no background.
import { useEffect, useState } from 'preact/hooks';
import type { PeerName } from '@/extension/names/name-service';
import type { PeerNameHooks } from '@/ui/components/peer';
import { base64ToBlob } from '@/ui/base64';
import { call, subscribeUpdates } from '@/ui/rpc';

/** Lower-case address → its name, or null when the background had none (yet). */
const names = new Map<string, PeerName | null>();
const avatars = new Map<string, Promise<string | undefined>>();
const listeners = new Set<() => void>();
const wanted = new Set<string>();
/** Addresses asked again (the background says their name changed) that had one shown: they render either way. */
const renamed = new Set<string>();
let flushing: ReturnType<typeof setTimeout> | undefined;
let subscribed = false;

function notify() {
  for (const listener of listeners) listener();
}

function want(address: string) {
  if (names.has(address) || wanted.has(address)) return;
  wanted.add(address);
  flushing ??= setTimeout(flush, 0); // every row of a render in one request
}

async function flush() {
  flushing = undefined;
  const addresses = [...wanted];
  wanted.clear();
  let named = false;
  try {
    const found = await call('names.known', { addresses });
    for (const address of addresses) {
      names.set(address, found[address] ?? null);
      named ||= Boolean(found[address]);
    }
  } catch {
    for (const address of addresses) names.set(address, null); // locked, say: hex it stays
  }
  for (const address of addresses) named = renamed.delete(address) || named;
  // Only a name found, or one gone, changes what a row shows (none known reads as the hex already shown):
  // otherwise every row of the popup's first screen would render a second time right after its first paint.
  if (named) notify();
}

function listen() {
  if (subscribed) return;
  subscribed = true;
  subscribeUpdates((update) => {
    if (update.kind !== 'names') return;
    for (const address of update.addresses) {
      if (names.get(address.toLowerCase())) renamed.add(address.toLowerCase());
      names.delete(address.toLowerCase());
      avatars.delete(address.toLowerCase());
      want(address.toLowerCase());
    }
  });
}

/** The peer's ENS name (undefined: none known, show the address). */
export function usePeerName(address: string): PeerName | undefined {
  const key = address.toLowerCase();
  const [, setVersion] = useState(0);
  useEffect(() => {
    listen();
    const listener = () => setVersion((v) => v + 1);
    listeners.add(listener);
    want(key);
    return () => void listeners.delete(listener);
  }, [key]);
  return names.get(key) ?? undefined;
}

/** A blob: URL of the peer's avatar once loaded (only asked for when its name says it has one). */
export function usePeerAvatar(address: string, has: boolean): string | undefined {
  const key = address.toLowerCase();
  const [url, setUrl] = useState<string>();
  useEffect(() => {
    if (!has) return;
    let current = true;
    let loading = avatars.get(key);
    if (!loading) {
      loading = call('names.avatar', { address }).then(
        (image) => URL.createObjectURL(base64ToBlob(image.data, image.mimeType)),
        () => undefined,
      );
      avatars.set(key, loading);
    }
    void loading.then((loaded) => current && setUrl(loaded));
    return () => {
      current = false;
    };
  }, [key, has]);
  return has ? url : undefined;
}

export const backgroundPeerNames: PeerNameHooks = { usePeerName, usePeerAvatar };
