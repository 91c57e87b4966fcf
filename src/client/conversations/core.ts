// What conversations need of their client, as one object (no import cycle with client.ts).
import type { CodecRegistry } from '@/protocol/content';
import type { Keyring } from '@/protocol/keyring';
import type { ApiClient } from '@/client/api';
import type { ContactDirectory } from '@/client/contacts/contact-directory';
import type { Contacts } from '@/client/contacts/contacts';
import type { InviteOpener } from './invite-opener';
import type { V1Secrets } from './v1-secrets';

/** Counters of expensive work, so tests and benchmarks can see what a call really did. */
export interface ClientStats {
  invitationsOpened: number;
  introsOpened: number;
  messagesDecrypted: number;
}

export interface ClientCore {
  readonly address: string;
  readonly keyring: Keyring;
  readonly api: ApiClient;
  readonly codecs: CodecRegistry;
  readonly contactDirectory: ContactDirectory;
  readonly contacts: Contacts;
  readonly stats: ClientStats;
  /** Opens invitations in batches: on this thread, or on the host's worker pool (ClientOptions.inviteOpener). */
  readonly inviteOpener: InviteOpener;
  /** Peers this client instance already sent a V1 message to (intros go out once per peer, §7.3). */
  readonly introducedPeers: Set<string>;
  /** Cached 3DH secrets for V1 messages. */
  readonly v1Secrets: V1Secrets;
  /** Registers a closer for client.close(); returns the function that unregisters it. */
  onClose(closer: () => Promise<void>): () => void;
}
