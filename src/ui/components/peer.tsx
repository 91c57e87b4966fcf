// A peer as the popup shows it: its verified ENS name when known (else the short address), and its ENS avatar
// when it has one (else the identicon drawn from the address).
import { createContext } from 'preact';
import { useContext, useState } from 'preact/hooks';
import type { PeerName } from '@/extension/names/name-service';
import { shortAddress } from '@/ui/format';
import { Identicon } from './identicon';

/** Where names and avatars come from: the background's store in the popup (ui/peer-names.ts); none by default. */
export interface PeerNameHooks {
  usePeerName(address: string): PeerName | undefined;
  usePeerAvatar(address: string, has: boolean): string | undefined;
}

export const PeerNamesContext = createContext<PeerNameHooks>({
  usePeerName: () => undefined,
  usePeerAvatar: () => undefined,
});

const usePeerName = (address: string) => useContext(PeerNamesContext).usePeerName(address);
const usePeerAvatar = (address: string, has: boolean) =>
  useContext(PeerNamesContext).usePeerAvatar(address, has);

export function PeerAvatar({ address, size }: { address: string; size: number }) {
  const name = usePeerName(address);
  const url = usePeerAvatar(address, name?.avatar === true);
  if (!url) return <Identicon address={address} size={size} />;
  return <img class="avatar" src={url} width={size} height={size} alt="" />;
}

export function PeerLabel({ address }: { address: string }) {
  const name = usePeerName(address);
  return name?.name ? (
    <span class="peer" data-address={address}>
      {name.name}
    </span>
  ) : (
    <span class="peer mono">{shortAddress(address)}</span>
  );
}

/**
 * The thread's title: the name, and one click away the full address (with a copy button); without a name, the
 * short address with the full one on hover, as before names.
 */
export function PeerTitle({ address }: { address: string }) {
  const name = usePeerName(address);
  const [showAddress, setShowAddress] = useState(false);
  if (!address) return <h1>Conversation</h1>;
  if (!name?.name)
    return (
      <h1 class="mono" title={address}>
        {shortAddress(address)}
      </h1>
    );
  return (
    <h1 class="peer-title">
      <button
        type="button"
        class="link"
        aria-expanded={showAddress}
        title={showAddress ? 'Show the name' : `Show the address (${address})`}
        onClick={() => setShowAddress(!showAddress)}
      >
        {showAddress ? <span class="mono address">{address}</span> : name.name}
      </button>
      {showAddress ? (
        <button
          type="button"
          class="link"
          aria-label="Copy the address"
          onClick={() => void navigator.clipboard?.writeText(address).catch(() => undefined)}
        >
          Copy
        </button>
      ) : null}
    </h1>
  );
}
