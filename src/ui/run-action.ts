// Sends a conversation action (conversation-actions.ts) to the background over the popup map.
import type { ConversationRecord } from '@/extension/cache/records';
import type { ConversationAction } from './conversation-actions';
import { call } from './rpc';

/** Sends the action to the background; resolves to the conversation as it is now. */
export function runAction(topic: string, action: ConversationAction): Promise<ConversationRecord | null> {
  switch (action.kind) {
    case 'pin':
      return call('conversations.pin', { topic, pinned: action.pinned });
    case 'archive':
      return call('conversations.archive', { topic, archived: action.archived });
    case 'read':
      return action.read
        ? call('conversations.markRead', { topic })
        : call('conversations.markUnread', { topic });
    case 'mute':
      return call('conversations.mute', { topic, duration: action.duration });
  }
}
