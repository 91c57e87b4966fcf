import { memo } from 'preact/compat';
import type { ConversationRecord } from '@/extension/cache/records';
import { listTime, shortAddress } from '@/ui/format';
import { Identicon } from './identicon';

export const ROW_HEIGHT = 60;

/** One inbox row: kept lean (no hooks, memoized) so long lists stay fast. */
export const ConversationRow = memo(function ConversationRow({
  conversation,
  onOpen,
}: {
  conversation: ConversationRecord;
  onOpen(topic: string): void;
}) {
  const { peerAddress, lastMessage, unread, topic } = conversation;
  return (
    <button
      type="button"
      class={unread > 0 ? 'conversation unread' : 'conversation'}
      onClick={() => onOpen(topic)}
      title={peerAddress}
    >
      <Identicon address={peerAddress} size={36} />
      <span class="conversation-main">
        <span class="conversation-top">
          <span class="peer mono">{shortAddress(peerAddress)}</span>
          <time class="muted">{listTime(lastMessage?.sentAt ?? conversation.createdAt)}</time>
        </span>
        <span class="conversation-bottom">
          <span class="preview">{lastMessage?.preview ?? 'No messages yet'}</span>
          {unread > 0 ? (
            <span class="badge" aria-label={`${unread} unread`}>
              {unread > 99 ? '99+' : unread}
            </span>
          ) : null}
        </span>
      </span>
    </button>
  );
});
