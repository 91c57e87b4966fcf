// The background side of the popup map: each message answered by the InboxService.
import { muteUntil } from '@/extension/inbox/conversation-state';
import type { InboxService } from '@/extension/inbox-service';
import type { Handlers } from './envelope';
import type { PopupMessages } from './popup';

export function createPopupHandlers(service: InboxService): Handlers<PopupMessages> {
  return {
    'state.get': () => service.state(),
    'node.check': ({ url }) => service.checkNode(url),
    'wallet.tabs': () => service.findWalletTabs(),
    'wallet.sign': ({ tabId, text }) => service.signWithWallet(tabId, text),
    'onboarding.linkWallet': (input) => service.linkWallet(input),
    'onboarding.createLocal': (input) => service.createLocalKey(input),
    'onboarding.importKey': (input) => service.importKey(input),
    'onboarding.restoreBackup': (input) => service.restoreBackup(input),
    'backup.export': ({ password, includeMessages }) =>
      service.exportBackup(password, { includeMessages: includeMessages === true }),
    'vault.unlock': ({ password }) => service.unlock(password),
    'vault.lock': () => service.lock(),
    'vault.changePassword': async ({ oldPassword, newPassword }) => {
      await service.changePassword(oldPassword, newPassword);
      return null;
    },
    'account.signOut': () => service.signOut(),
    'conversations.list': ({ limit }) => service.listConversations(limit === undefined ? {} : { limit }),
    'conversations.get': ({ topic }) => service.getConversation(topic),
    'conversations.new': ({ peerAddress, conversationId }) =>
      service.newConversation(peerAddress, conversationId),
    'conversations.canMessage': ({ peerAddress }) => service.canMessage(peerAddress),
    'conversations.setConsent': ({ topic, consent }) => service.setConsent(topic, consent),
    'conversations.markRead': async ({ topic, receipt }) => {
      await service.markRead(topic, { receipt: receipt === true });
      return null;
    },
    'conversations.refresh': async () => {
      await service.refresh();
      return null;
    },
    'conversations.pin': ({ topic, pinned }) => service.pin(topic, pinned === true),
    // The popup names a duration; the time it ends is computed here, so the popup cannot mute for seconds.
    'conversations.mute': ({ topic, duration }) =>
      service.mute(topic, duration === 'off' ? null : muteUntil(duration, Date.now())),
    'conversations.archive': ({ topic, archived }) => service.archive(topic, archived === true),
    'conversations.markUnread': ({ topic }) => service.markUnread(topic),
    'conversations.markAllRead': async () => {
      await service.markAllRead();
      return null;
    },
    'conversations.setDraft': ({ topic, text }) => service.setDraft(topic, text),
    'messages.list': ({ topic, before, limit }) => service.listMessages(topic, { before, limit }),
    'messages.search': ({ query, limit }) =>
      service.searchMessages(query, limit === undefined ? {} : { limit }),
    'messages.send': ({ topic, content }) => service.send(topic, content),
    'messages.retry': ({ id }) => service.retry(id),
    'attachments.load': ({ id }) => service.loadAttachment(id),
    'names.known': ({ addresses }) => service.peerNames(addresses),
    'names.resolve': async ({ name }) => ({ address: await service.resolveName(name) }),
    'names.avatar': ({ address }) => service.peerAvatar(address),
    'settings.get': () => service.getSettings(),
    'settings.update': (patch) => service.updateSettings(patch),
  };
}
