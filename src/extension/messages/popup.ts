// The popup ⇄ background boundary. Each message is declared once here, with its request and response;
// the background answers with the handlers in popup-handlers.ts, the popup calls through createCaller.
import type { ConversationRecord, Consent, MessageRecord } from '@/extension/cache/records';
import type { OutgoingContent } from '@/extension/client-adapter';
import type { MuteDuration } from '@/extension/inbox/conversation-state';
import type { InboxState, NodeHealth, OnboardingInput, Settings, WalletTab } from '@/extension/inbox-service';
import type { SearchResult } from '@/extension/search/message-index';
import type { LoadedAttachment } from '@/extension/attachments/attachment-content';
import type { PeerName } from '@/extension/names/name-service';
import type { Request } from './envelope';

type Empty = Record<string, never>;

export type PopupMessages = {
  /** Vault status, account and settings: decides which screen the popup shows. */
  'state.get': { request: Empty; response: InboxState };
  /** Checks a node URL with GET /healthz. */
  'node.check': { request: { url: string }; response: NodeHealth };
  /** Lists web page tabs whose wallet could link the identity. */
  'wallet.tabs': { request: Empty; response: WalletTab[] };
  /** Asks the wallet of a tab to personal_sign a text (linking plumbing; the e2e test uses it). */
  'wallet.sign': {
    request: { tabId: number; text: string };
    response: { address: string; signature: string };
  };
  /** Onboarding: create or enable the identity with the wallet of a tab. */
  'onboarding.linkWallet': { request: OnboardingInput & { tabId: number }; response: InboxState };
  /** Onboarding: generate a key inside the extension. */
  'onboarding.createLocal': { request: OnboardingInput; response: InboxState };
  /** Onboarding: import an encoded private key bundle (base64). */
  'onboarding.importKey': { request: OnboardingInput & { keyBundle: string }; response: InboxState };
  /** Onboarding: restore an encrypted backup file (its text) with its password. */
  'onboarding.restoreBackup': { request: { text: string; password: string }; response: InboxState };
  /** The account as an encrypted backup file. */
  'backup.export': {
    request: { password: string; includeMessages?: boolean };
    response: { fileName: string; text: string };
  };
  /** Unlocks the vault with the password. */
  'vault.unlock': { request: { password: string }; response: InboxState };
  /** Locks the vault now. */
  'vault.lock': { request: Empty; response: InboxState };
  /** Re-encrypts the vault under a new password. */
  'vault.changePassword': { request: { oldPassword: string; newPassword: string }; response: null };
  /** Signs out: wipes the vault, the cache and the account. */
  'account.signOut': { request: Empty; response: InboxState };
  /** Conversations from the cache, most recent activity first; `limit`: only the first N (the popup's first screen). */
  'conversations.list': { request: { limit?: number }; response: ConversationRecord[] };
  /** One conversation from the cache (null when unknown). */
  'conversations.get': { request: { topic: string }; response: ConversationRecord | null };
  /** Starts a conversation with an address (optionally a V2 conversation id). */
  'conversations.new': {
    request: { peerAddress: string; conversationId?: string };
    response: ConversationRecord;
  };
  /** Whether an address has published a contact bundle. */
  'conversations.canMessage': { request: { peerAddress: string }; response: boolean };
  /** Allows or denies a conversation's peer. */
  'conversations.setConsent': {
    request: { topic: string; consent: Exclude<Consent, 'unknown'> };
    response: ConversationRecord;
  };
  /** Clears a conversation's unread count. */
  'conversations.markRead': { request: { topic: string; receipt?: boolean }; response: null };
  /** Pulls from the network into the cache. */
  'conversations.refresh': { request: Empty; response: null };
  /** Pins or unpins a conversation (pinned ones list first, in the order pinned). */
  'conversations.pin': { request: { topic: string; pinned: boolean }; response: ConversationRecord };
  /** Mutes a conversation for a while or until unmuted (`off`): no notification, no badge count. */
  'conversations.mute': {
    request: { topic: string; duration: MuteDuration | 'off' };
    response: ConversationRecord;
  };
  /** Moves a conversation to Archived or back to the inbox. */
  'conversations.archive': { request: { topic: string; archived: boolean }; response: ConversationRecord };
  /** Shows a conversation as unread again. */
  'conversations.markUnread': { request: { topic: string }; response: ConversationRecord };
  /** Clears every unread count. */
  'conversations.markAllRead': { request: Empty; response: null };
  /** Saves the composer's unsent text of a conversation (empty clears it). */
  'conversations.setDraft': { request: { topic: string; text: string }; response: ConversationRecord };
  /** Messages of a conversation from the cache, oldest first. */
  'messages.list': { request: { topic: string; before?: number; limit?: number }; response: MessageRecord[] };
  /** Full-text search over every cached message, grouped by conversation (best match first). */
  'messages.search': { request: { query: string; limit?: number }; response: SearchResult };
  /** Sends (optimistically: pending, then sent or failed). */
  'messages.send': { request: { topic: string; content: OutgoingContent }; response: MessageRecord };
  /** Sends a failed message again. */
  'messages.retry': { request: { id: string }; response: MessageRecord };
  /** ENS names known now for these peers (the rest are looked up in the background: a `names` update follows). */
  'names.known': { request: { addresses: string[] }; response: Record<string, PeerName> };
  /** The address of an ENS name such as `name.eth`. */
  'names.resolve': { request: { name: string }; response: { address: string } };
  /** A peer's ENS avatar (base64), for a blob: URL. */
  'names.avatar': { request: { address: string }; response: { mimeType: string; data: string } };
  /** The file of an attachment message, to show or save (the popup makes a blob: URL of it). */
  'attachments.load': { request: { id: string }; response: LoadedAttachment };
  /** Reads the settings. */
  'settings.get': { request: Empty; response: Settings };
  /** Changes some settings. */
  'settings.update': { request: Partial<Settings>; response: Settings };
};

export type PopupRequest = Request<PopupMessages>;

/** Every key of the map, for validating incoming requests. */
export const POPUP_MESSAGE_TYPES = [
  'state.get',
  'node.check',
  'wallet.tabs',
  'wallet.sign',
  'onboarding.linkWallet',
  'onboarding.createLocal',
  'onboarding.importKey',
  'onboarding.restoreBackup',
  'backup.export',
  'vault.unlock',
  'vault.lock',
  'vault.changePassword',
  'account.signOut',
  'conversations.list',
  'conversations.get',
  'conversations.new',
  'conversations.canMessage',
  'conversations.setConsent',
  'conversations.markRead',
  'conversations.refresh',
  'conversations.pin',
  'conversations.mute',
  'conversations.archive',
  'conversations.markUnread',
  'conversations.markAllRead',
  'conversations.setDraft',
  'messages.list',
  'messages.search',
  'messages.send',
  'messages.retry',
  'attachments.load',
  'names.known',
  'names.resolve',
  'names.avatar',
  'settings.get',
  'settings.update',
] as const satisfies readonly (keyof PopupMessages)[];

/** The runtime port the popup opens to receive InboxUpdate events. */
export const POPUP_UPDATES_PORT = 'xmtp-inbox/updates';

/** Requests from the popup carry this marker so other runtime messages are left alone. */
export const POPUP_CHANNEL = 'xmtp-inbox/popup';
