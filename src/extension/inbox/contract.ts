// What the popup needs from the background, as one interface. The popup's operations are its methods exposed by
// messages/popup-handlers.ts (the popup's message map is read off those handlers); the implementation
// (inbox/service.ts) runs over the vault, the cache and a ClientAdapter.
import type { ConversationRecord, Consent, MessageRecord } from '@/extension/cache/records';
import type { ConversationCounts, ConversationPageQuery } from '@/extension/cache/conversation-pages';
import type { OutgoingContent } from '@/extension/client-adapter';
import type { SearchResult } from '@/extension/search/message-index';
import type { LoadedAttachment } from '@/extension/attachments/attachment-content';
import { ENS_REGISTRY } from '@/extension/names/ens';
import type { PeerName } from '@/extension/names/name-service';
import type { MuteDuration } from '@/extension/inbox/conversation-state';
import type { SignaturePurpose } from '@/extension/wallet/signer';
import type { Secp256k1Status } from '@/protocol/secp256k1';

export interface Settings {
  /** Node base URLs, tried in order. */
  nodes: string[];
  /** Lock the vault after this many idle minutes (0 = never). */
  autoLockMinutes: number;
  notifications: boolean;
  /** Notifications show the sender and the message text; off: only that a new message arrived. */
  notificationContent: boolean;
  /** Send read receipts when the user opens a conversation with unread messages (allowed senders only). */
  readReceipts: boolean;
  /** Where files too large to send inline are uploaded (a node with an attachment store); empty: the first node. */
  uploadUrl: string;
  /** Show peers' ENS names and avatars (looked up through `ensRpcUrl`, which learns which addresses). */
  ens: boolean;
  /** The Ethereum JSON-RPC endpoint ENS lookups go through. */
  ensRpcUrl: string;
  /** The ENS registry contract (mainnet's; another for a test chain). */
  ensRegistry: string;
  /** Gateway for ipfs:// avatars. */
  ipfsGateway: string;
  /** Share pins, mutes, archive, read state and drafts with this identity's other installs (docs/sync-format.md). */
  sync: boolean;
}

export const DEFAULT_SETTINGS: Settings = {
  nodes: ['http://localhost:5555'],
  autoLockMinutes: 15,
  notifications: true,
  notificationContent: false,
  readReceipts: true,
  uploadUrl: '',
  ens: true,
  ensRpcUrl: 'https://ethereum-rpc.publicnode.com',
  ensRegistry: ENS_REGISTRY,
  ipfsGateway: 'https://ipfs.io/ipfs',
  sync: true,
};

export type IdentityKind = 'wallet' | 'local' | 'imported';

/** `empty`: no identity yet (onboarding); `locked`: vault exists, password needed; `unlocked`: ready. */
export type VaultStatus = 'empty' | 'locked' | 'unlocked';

export interface InboxState {
  vault: VaultStatus;
  /** The account address (EIP-55), known even while locked. */
  address?: string;
  identity?: IdentityKind;
  /** The client's message stream is live on a node (off while it reconnects, locked or offline). */
  online: boolean;
  settings: Settings;
  /** The worker's secp256k1 engine: libsecp256k1 (WebAssembly), or noble and why (src/protocol/secp256k1.ts). */
  secp256k1: Secp256k1Status;
  /**
   * A catch-up is listing conversations from the network: the count found so far (the `listing` updates' last
   * `found`). A popup opened in the middle of it shows the progress from this, before the next update.
   */
  listing?: { found: number };
}

export interface NodeHealth {
  url: string;
  ok: boolean;
  status?: number;
  latencyMs?: number;
  error?: string;
}

/** A web page tab whose EIP-1193 wallet can link the identity. */
export interface WalletTab {
  tabId: number;
  origin: string;
  title: string;
  active: boolean;
  /** Accounts the page's wallet already exposes (eth_accounts), if any. */
  accounts: string[];
}

export interface OnboardingInput {
  password: string;
  nodes: string[];
  /**
   * Wallet linking only: also publish the key bundle, encrypted with an "Enable Identity" signature, to the
   * network's private store so other XMTP apps can enable it. Off by default: the signature passes through the
   * web page whose wallet signs, so that page could decrypt the stored keys (issue #21).
   */
  storeOnNetwork?: boolean;
}

/** Pushed to the popup over the runtime port. */
export type InboxUpdate =
  | { kind: 'state' }
  /**
   * Conversations changed: `topics` names them (new, a new last message, unread count or consent), so a listener
   * need not re-read the whole list for each incoming message; `'all'` after a catch-up from the network (refresh,
   * unlock, worker restart), when any of them may have.
   */
  | { kind: 'conversations'; topics: string[] | 'all' }
  | { kind: 'messages'; topic: string }
  /** A file being sent from this install is uploading: bytes the store has, of all (once per part). */
  | { kind: 'upload'; topic: string; messageId: string; sentBytes: number; totalBytes: number }
  /** ENS names (or avatars) of these peers became known. */
  | { kind: 'names'; addresses: string[] }
  /**
   * The accounts changed (src/extension/accounts): `switched`, another one is active (or one was added or signed
   * out); otherwise only another account's unread count may have.
   */
  | { kind: 'accounts'; switched: boolean }
  /**
   * A catch-up listing conversations from the network: `found` so far (the ones already cached included), each
   * batch in the cache and announced as it arrives; `done` once the list is complete.
   */
  | { kind: 'listing'; found: number; done: boolean }
  /** The wallet on `origin` is being asked to sign; the popup explains what and why. */
  | { kind: 'signature'; purpose: SignaturePurpose; origin: string; text: string }
  | { kind: 'signature_done'; purpose: SignaturePurpose };

export interface InboxService {
  state(): Promise<InboxState>;
  /** `GET <url>/healthz`, with latency. */
  checkNode(url: string): Promise<NodeHealth>;
  findWalletTabs(): Promise<WalletTab[]>;
  /** Creates or enables the identity with the wallet of `tabId` (one or two signatures), then stores it. */
  linkWallet(input: OnboardingInput & { tabId: number }): Promise<InboxState>;
  createLocalKey(input: OnboardingInput): Promise<InboxState>;
  /** `keyBundle`: an encoded PrivateKeyBundle, base64. */
  importKey(input: OnboardingInput & { keyBundle: string }): Promise<InboxState>;
  unlock(password: string): Promise<InboxState>;
  lock(): Promise<InboxState>;
  changePassword(oldPassword: string, newPassword: string): Promise<void>;
  /**
   * The account as an encrypted backup file (docs/backup-format.md): key bundle, nodes, conversations with their
   * consent, pins, mutes, archive, unread counts and drafts; `includeMessages` adds the cached messages.
   */
  exportBackup(
    password: string,
    options?: { includeMessages?: boolean },
  ): Promise<{ fileName: string; text: string }>;
  /**
   * Restores a backup on a browser with no account: the vault under the backup's password, the account, the
   * settings and the cache, all before any network use. Nothing is written when the file or password is wrong.
   */
  restoreBackup(input: { text: string; password: string }): Promise<InboxState>;
  /** Wipes the vault, the cache and the account (settings stay). */
  signOut(): Promise<InboxState>;

  /**
   * Cached conversations, pinned first, then most recent activity first; `limit` returns only the first N.
   * With `view`, one page of the popup's list (src/extension/cache/conversation-pages.ts): the inbox, the
   * archived ones or the requests, narrowed by the search box's `query` (and to those with unread messages by
   * `unread`), from after the row `after` on, `limit` rows (default 30).
   */
  listConversations(
    options?: { limit?: number } | (Partial<ConversationPageQuery> & Pick<ConversationPageQuery, 'view'>),
  ): Promise<ConversationRecord[]>;
  /** One cached conversation, or null. */
  getConversation(topic: string): Promise<ConversationRecord | null>;
  /** Oldest first; `before` (ms) pages back. */
  listMessages(topic: string, options?: { before?: number; limit?: number }): Promise<MessageRecord[]>;
  /**
   * Full-text search over every cached message of the account (words and prefixes, any case or accent), grouped
   * by conversation; the index is built on the first search after unlock and kept only in memory.
   */
  searchMessages(query: string, options?: { limit?: number }): Promise<SearchResult>;
  /**
   * Optimistic: the message is cached as pending first, then sent or marked failed (never throws for a send
   * failure). A file's progress (encrypting, uploading, sending) shows on the pending record.
   */
  send(topic: string, content: OutgoingContent): Promise<MessageRecord>;
  /** The file of an attachment message (inline, or downloaded, checked and decrypted here): for the popup to show. */
  loadAttachment(messageId: string, options?: { topic?: string }): Promise<LoadedAttachment>;
  /** The ENS names known for these peers now (the rest are looked up; a `names` update tells when found). */
  peerNames(addresses: string[]): Promise<Record<string, PeerName>>;
  /** The address an ENS name (`name.eth`) points to. */
  resolveName(name: string): Promise<string>;
  /** A peer's ENS avatar image. */
  peerAvatar(address: string): Promise<{ mimeType: string; data: string }>;
  retry(messageId: string): Promise<MessageRecord>;
  newConversation(peerAddress: string, conversationId?: string): Promise<ConversationRecord>;
  canMessage(peerAddress: string): Promise<boolean>;
  setConsent(topic: string, consent: Exclude<Consent, 'unknown'>): Promise<ConversationRecord>;
  /**
   * Allows or denies many at once (one consent update on the network for all their peers): the named topics, or
   * every message request matching `query`. Checked whole before anything changes. Returns how many changed.
   */
  setConsentMany(
    which: { topics: string[] } | { allRequests: true; query?: string },
    consent: Exclude<Consent, 'unknown'>,
  ): Promise<{ changed: number }>;
  /** How many conversations the inbox, Archived and Requests hold (matching `query`), and how many are unread. */
  conversationCounts(query?: string): Promise<ConversationCounts>;
  /**
   * Clears a conversation's unread count. `receipt`: the user opened it, so a read receipt goes to the peer when
   * there was something unread (and the setting is on, and the peer is allowed).
   */
  markRead(topic: string, options?: { receipt?: boolean }): Promise<void>;
  /**
   * Pulls conversations and new messages from the network into the cache. `ifBehind` (what a popup open asks):
   * nothing when a catch-up already covered the live stream's current connection, which brings the rest.
   */
  refresh(options?: { ifBehind?: boolean }): Promise<void>;

  // The user's per-conversation choices (src/extension/inbox/conversation-state.ts); each returns the record.
  /** Pinned conversations list first, in the order pinned. */
  pin(topic: string, pinned: boolean): Promise<ConversationRecord>;
  /**
   * Muted until `until`: no notification and no badge count meanwhile. The popup names a duration (1h, 8h,
   * 1w, forever; counted from the moment the mute is stamped); any future time in ms since the epoch is
   * accepted too, which is how the e2e test mutes for seconds from the worker. null unmutes.
   */
  mute(topic: string, until: MuteDuration | number | null): Promise<ConversationRecord>;
  /** Out of the inbox into Archived; a new message from the peer brings it back unless it is muted. */
  archive(topic: string, archived: boolean): Promise<ConversationRecord>;
  /** Shows the conversation as unread again (at least one unread message, counted by the badge). */
  markUnread(topic: string): Promise<ConversationRecord>;
  markAllRead(): Promise<void>;
  /** Saves the composer's text; empty text clears it. Sending a message clears it too. */
  setDraft(topic: string, text: string): Promise<ConversationRecord>;
  /** Ends the mutes whose time has passed (the worker's alarm and start call it) and schedules the next. */
  expireMutes(): Promise<void>;
  /**
   * On worker start: when the vault is still unlocked, reconnects (from the vault's key bundle), restarts the
   * streams and catches up on what arrived while the worker was stopped. Does nothing while locked.
   */
  resume(): Promise<void>;

  getSettings(): Promise<Settings>;
  updateSettings(patch: Partial<Settings>): Promise<Settings>;
  /** Records user activity (resets the auto-lock timer). */
  touch(): Promise<void>;
  /** Asks the wallet of `tabId` to sign `text` (the linking plumbing, also used by the e2e test). */
  signWithWallet(tabId: number, text: string): Promise<{ address: string; signature: string }>;

  subscribe(listener: (update: InboxUpdate) => void): () => void;
}
