// The popup ⇄ background contract, declared once: each operation is a handler here, its request typed where it
// is taken and its response whatever the InboxService gives back. The message map the popup calls through
// (messages/popup.ts PopupMessages) is read off these handlers, so a new operation is a service method and an
// entry here.
import type { AddAccountInput, MultiAccountInbox } from '@/extension/accounts/contract';
import type { ConversationPageQuery } from '@/extension/cache/conversation-pages';
import type { Consent } from '@/extension/cache/records';
import type { OutgoingContent } from '@/extension/client-adapter';
import type { MuteDuration } from '@/extension/inbox/conversation-state';
import type { OnboardingInput, Settings } from '@/extension/inbox/contract';

type Empty = Record<string, never>;

export function createPopupHandlers(service: MultiAccountInbox) {
  return {
    /** Vault status, account and settings: decides which screen the popup shows. */
    'state.get': (_request: Empty) => service.state(),
    /** Checks a node URL with GET /healthz. */
    'node.check': ({ url }: { url: string }) => service.checkNode(url),
    /** Lists web page tabs whose wallet could link the identity. */
    'wallet.tabs': (_request: Empty) => service.findWalletTabs(),
    /** Asks the wallet of a tab to personal_sign a text (linking plumbing; the e2e test uses it). */
    'wallet.sign': ({ tabId, text }: { tabId: number; text: string }) => service.signWithWallet(tabId, text),
    /** Onboarding: create or enable the identity with the wallet of a tab. */
    'onboarding.linkWallet': (input: OnboardingInput & { tabId: number }) => service.linkWallet(input),
    /** Onboarding: generate a key inside the extension. */
    'onboarding.createLocal': (input: OnboardingInput) => service.createLocalKey(input),
    /** Onboarding: import an encoded private key bundle (base64). */
    'onboarding.importKey': (input: OnboardingInput & { keyBundle: string }) => service.importKey(input),
    /** Onboarding: restore an encrypted backup file (its text) with its password. */
    'onboarding.restoreBackup': (input: { text: string; password: string }) => service.restoreBackup(input),
    /** The account as an encrypted backup file. */
    'backup.export': ({ password, includeMessages }: { password: string; includeMessages?: boolean }) =>
      service.exportBackup(password, { includeMessages: includeMessages === true }),
    /** Unlocks the vault with the password. */
    'vault.unlock': ({ password }: { password: string }) => service.unlock(password),
    /** Locks the vault now. */
    'vault.lock': (_request: Empty) => service.lock(),
    /** Re-encrypts the vault under a new password. */
    'vault.changePassword': async ({
      oldPassword,
      newPassword,
    }: {
      oldPassword: string;
      newPassword: string;
    }) => {
      await service.changePassword(oldPassword, newPassword);
      return null;
    },
    /** Signs out of the active account: wipes its vault, cache and data (other accounts stay). */
    'account.signOut': (_request: Empty) => service.signOut(),
    /** Every account in this browser, with unread counts (the account switcher). */
    'accounts.list': (_request: Empty) => service.listAccounts(),
    /** Makes another account the active one. */
    'accounts.switch': ({ id }: { id: string }) => service.switchAccount(id),
    /** Adds another identity (wallet, local key or import) under the inbox password, and makes it active. */
    'accounts.add': (input: AddAccountInput) => service.addAccount(input),
    /**
     * Conversations from the cache, most recent activity first; `limit`: only the first N. With `view`: a page of
     * the popup's list (inbox, archived or requests; `query`, `unread`, `after`), checked in the worker.
     */
    'conversations.list': (request: { limit?: number } & Partial<ConversationPageQuery>) =>
      service.listConversations(
        request.view !== undefined
          ? { ...request, view: request.view }
          : request.limit === undefined
            ? {}
            : { limit: request.limit },
      ),
    /** One conversation from the cache (null when unknown). */
    'conversations.get': ({ topic }: { topic: string }) => service.getConversation(topic),
    /** Starts a conversation with an address (optionally a V2 conversation id). */
    'conversations.new': ({
      peerAddress,
      conversationId,
    }: {
      peerAddress: string;
      conversationId?: string;
    }) => service.newConversation(peerAddress, conversationId),
    /** Whether an address has published a contact bundle. */
    'conversations.canMessage': ({ peerAddress }: { peerAddress: string }) => service.canMessage(peerAddress),
    /** Allows or denies a conversation's peer. */
    'conversations.setConsent': ({
      topic,
      consent,
    }: {
      topic: string;
      consent: Exclude<Consent, 'unknown'>;
    }) => service.setConsent(topic, consent),
    /** Allows or denies several at once: the named topics, or every request matching the search. */
    'conversations.setConsentMany': ({
      topics,
      allRequests,
      query,
      consent,
    }: {
      topics?: string[];
      allRequests?: boolean;
      query?: string;
      consent: Exclude<Consent, 'unknown'>;
    }) =>
      service.setConsentMany(
        allRequests === true ? { allRequests: true, query } : { topics: topics as string[] },
        consent,
      ),
    /** How many conversations the inbox, Archived and Requests hold (matching the search), and unread ones. */
    'conversations.counts': ({ query }: { query?: string }) => service.conversationCounts(query),
    /** Clears a conversation's unread count. */
    'conversations.markRead': async ({ topic, receipt }: { topic: string; receipt?: boolean }) => {
      await service.markRead(topic, { receipt: receipt === true });
      return null;
    },
    /** Pulls from the network into the cache (`ifBehind`: unless the live stream is already caught up). */
    'conversations.refresh': async ({ ifBehind }: { ifBehind?: boolean }) => {
      await service.refresh({ ifBehind: ifBehind === true });
      return null;
    },
    /** Pins or unpins a conversation (pinned ones list first, in the order pinned). */
    'conversations.pin': ({ topic, pinned }: { topic: string; pinned: boolean }) =>
      service.pin(topic, pinned === true),
    // The popup names a duration; the time it ends is computed here, so the popup cannot mute for seconds.
    /** Mutes a conversation for a while or until unmuted (`off`): no notification, no badge count. */
    'conversations.mute': ({ topic, duration }: { topic: string; duration: MuteDuration | 'off' }) =>
      service.mute(topic, duration === 'off' ? null : duration),
    /** Moves a conversation to Archived or back to the inbox. */
    'conversations.archive': ({ topic, archived }: { topic: string; archived: boolean }) =>
      service.archive(topic, archived === true),
    /** Shows a conversation as unread again. */
    'conversations.markUnread': ({ topic }: { topic: string }) => service.markUnread(topic),
    /** Clears every unread count. */
    'conversations.markAllRead': async (_request: Empty) => {
      await service.markAllRead();
      return null;
    },
    /** Saves the composer's unsent text of a conversation (empty clears it). */
    'conversations.setDraft': ({ topic, text }: { topic: string; text: string }) =>
      service.setDraft(topic, text),
    /** Messages of a conversation from the cache, oldest first. */
    'messages.list': ({ topic, before, limit }: { topic: string; before?: number; limit?: number }) =>
      service.listMessages(topic, { before, limit }),
    /** Full-text search over every cached message, grouped by conversation (best match first). */
    'messages.search': ({ query, limit }: { query: string; limit?: number }) =>
      service.searchMessages(query, limit === undefined ? {} : { limit }),
    /** Sends (optimistically: pending, then sent or failed). */
    'messages.send': ({ topic, content }: { topic: string; content: OutgoingContent }) =>
      service.send(topic, content),
    /** Sends a failed message again. */
    'messages.retry': ({ id }: { id: string }) => service.retry(id),
    /** The file of an attachment message, to show or save (the popup makes a blob: URL of it). */
    'attachments.load': ({ id }: { id: string }) => service.loadAttachment(id),
    /** ENS names known now for these peers (the rest are looked up in the background: a `names` update follows). */
    'names.known': ({ addresses }: { addresses: string[] }) => service.peerNames(addresses),
    /** The address of an ENS name such as `name.eth`. */
    'names.resolve': async ({ name }: { name: string }) => ({ address: await service.resolveName(name) }),
    /** A peer's ENS avatar (base64), for a blob: URL. */
    'names.avatar': ({ address }: { address: string }) => service.peerAvatar(address),
    /** Reads the settings. */
    'settings.get': (_request: Empty) => service.getSettings(),
    /** Changes some settings. */
    'settings.update': (patch: Partial<Settings>) => service.updateSettings(patch),
  };
}

/** The handlers' type: what messages/popup.ts derives the popup map from. */
export type PopupHandlers = ReturnType<typeof createPopupHandlers>;
