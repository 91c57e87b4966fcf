// The seam between the extension and the XMTP client (src/client). The inbox service depends only on this
// interface; the adapter over the real client is written once the client core exists.
import type { Consent, MessageRecord } from '@/extension/cache/records';
import type { Signer } from '@/extension/wallet/signer';

/** Where an identity comes from: the user's wallet on a web page, an imported key bundle, or a fresh local key. */
export type IdentitySource =
  /** `storeOnNetwork`: publish the encrypted bundle to the private store (otherwise it stays in the vault). */
  | { kind: 'wallet'; signer: Signer; storeOnNetwork?: boolean }
  /**
   * `resumed`: the vault's own identity, its session started again (a worker wake, an unlock). Its contact bundle
   * was published when the account was set up, so the check that it is still there runs beside the stream.
   */
  | { kind: 'key'; keyBundle: string; resumed?: boolean }
  | { kind: 'generate' };

/** A conversation as the client knows it; the cache adds unread counts and the last message. */
export interface ConversationInfo {
  topic: string;
  peerAddress: string;
  conversationId?: string;
  createdAt: number;
  consent: Consent;
}

/** A decoded message from the network (status is always `sent` once it is there). */
export type DecodedMessage = Omit<MessageRecord, 'status' | 'error'>;

/** What the user sends from the popup; the adapter picks the codec (docs/protocol.md §10.2). */
export type OutgoingContent =
  | { type: 'text'; text: string }
  | { type: 'reply'; reference: string; text: string }
  | { type: 'reaction'; reference: string; emoji: string; action: 'added' | 'removed' }
  /** A file: inline when small, else encrypted, uploaded and sent as a remote attachment. `data`: base64. */
  | { type: 'attachment'; filename: string; mimeType: string; data: string };

/** How a send goes: where files are uploaded, and what to tell on the way. */
export interface SendOptions {
  /** Base URL of the attachment store (default: the first node). */
  uploadUrl?: string;
  onStage?(stage: 'encrypting' | 'uploading' | 'sending'): void;
  /** While uploading a file: the bytes the store has, of all (after each part). */
  onProgress?(sentBytes: number, totalBytes: number): void;
}

export interface StreamHandlers {
  onMessage(message: DecodedMessage): void;
  onConversation(conversation: ConversationInfo): void;
  /** The stream broke; the adapter reconnects by itself and asks for what it missed (docs/design.md §1). */
  onError(error: unknown): void;
  /** The message stream is live (true) or reconnecting (false). */
  onConnection?(connected: boolean): void;
}

/** A note from another install of the same identity (or this one), opened by the client. */
export interface DeviceNote {
  /** The envelope's time (ns): where the next subscription resumes. */
  timestampNs: bigint;
  text: string;
}

/**
 * The private channel between the installs of one identity (docs/sync-format.md): text notes, sealed and
 * opened by the client with the identity key, so the inbox service never holds that key.
 */
export interface DeviceNotes {
  publish(text: string): Promise<void>;
  /**
   * Every note from `sinceNs` on, then new ones as they come (each once, across reconnections); `onLive`
   * reports the stream connected or reconnecting. The returned function stops it.
   */
  subscribe(
    sinceNs: bigint,
    onNote: (note: DeviceNote) => void,
    onLive?: (live: boolean) => void,
  ): () => void;
}

/** A connected client for one identity. Lives only in the background worker. */
export interface ClientSession {
  readonly address: string;
  /**
   * The encoded private key bundle (`PrivateKeyBundle`, docs/protocol.md §4 plaintext) as base64: the secret the
   * vault keeps so a worker restart needs no wallet signature. Never sent to pages or the popup.
   */
  exportKeyBundle(): Promise<string>;
  /**
   * Every conversation, fetching what the network added since the last listing. `onBatch` hears them as they
   * are opened, in batches, the cached ones first, then the network's newest first (a first listing of a large
   * inbox can take seconds: the inbox shows each batch at once). A session may ignore it and only return.
   */
  listConversations(onBatch?: (batch: ConversationInfo[]) => Promise<void>): Promise<ConversationInfo[]>;
  /** Messages of a conversation, oldest first; `after` (ms) limits to newer ones. */
  messages(topic: string, options?: { after?: number; limit?: number }): Promise<DecodedMessage[]>;
  /**
   * Many conversations' messages at once (a catch-up): each query's, oldest first, as `messages` would return
   * them (`after` undefined: the latest page), with many topics per request. Optional: without it, a catch-up
   * asks `messages` once per conversation.
   */
  messagesOf?(queries: { topic: string; after?: number }[]): Promise<DecodedMessage[][]>;
  send(topic: string, content: OutgoingContent, options?: SendOptions): Promise<DecodedMessage>;
  /** Sends an `xmtp.org/readReceipt:1.0`: the user has seen the conversation up to now (never a message). */
  sendReadReceipt(topic: string): Promise<DecodedMessage>;
  newConversation(peerAddress: string, conversationId?: string): Promise<ConversationInfo>;
  canMessage(peerAddress: string): Promise<boolean>;
  /** Allows or denies peers: one consent update for all of them. */
  setConsent(peerAddresses: string[], consent: Exclude<Consent, 'unknown'>): Promise<void>;
  /** Streams new conversations and messages of all conversations; the returned function stops it. */
  streamAll(handlers: StreamHandlers): () => void;
  readonly deviceNotes: DeviceNotes;
  close(): Promise<void>;
}

/** Creates client sessions. `nodes` are node base URLs, e.g. `http://localhost:5555`. */
export interface ClientAdapter {
  create(source: IdentitySource, options: { nodes: string[] }): Promise<ClientSession>;
  /** Drops the client's own caches and sync state (sign out). */
  reset?(): Promise<void>;
}
