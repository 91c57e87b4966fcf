import { memo } from 'preact/compat';
import { isMuted, type ConversationRecord } from '@/extension/cache/records';
import { mutedLabel } from '@/ui/conversation-actions';
import { listTime, shortAddress } from '@/ui/format';
import { MutedIcon, PinIcon } from './icons';
import { ErrorBoundary } from './error-boundary';
import { PeerAvatar, PeerLabel } from './peer';

export const ROW_HEIGHT = 60;

/**
 * One inbox row: kept lean (no hooks, memoized) so long lists stay fast. Pinned and muted show as icons, an
 * unsent draft as "Draft: …" in place of the last message. `onMenu` adds the "⋯" button of its actions.
 */
export const ConversationRow = memo(function ConversationRow(props: RowProps) {
  // A row that throws (a record we did not foresee) shows a note in its place, still opening its thread, and
  // the rest of the list stays usable.
  const { conversation, onOpen } = props;
  return (
    <ErrorBoundary
      label={`conversation ${conversation?.topic ?? '(no topic)'}`}
      fallback={
        <button type="button" class="conversation unrenderable" onClick={() => onOpen(conversation?.topic)}>
          <span class="conversation-main">
            <span class="preview">{UNRENDERABLE_CONVERSATION}</span>
          </span>
        </button>
      }
    >
      <Row {...props} />
    </ErrorBoundary>
  );
});

/** What shows in place of a row that threw while rendering. */
export const UNRENDERABLE_CONVERSATION = 'This conversation could not be displayed';

interface RowProps {
  conversation: ConversationRecord;
  onOpen(topic: string): void;
  onMenu?(topic: string, trigger: HTMLElement): void;
}

function Row({ conversation, onOpen, onMenu }: RowProps) {
  const { peerAddress, lastMessage, unread, topic, draft, pinnedAt, mutedUntil } = conversation;
  const now = Date.now();
  const muted = isMuted(conversation, now);
  const classes = ['conversation', unread > 0 ? 'unread' : '', muted ? 'is-muted' : '']
    .filter(Boolean)
    .join(' ');
  const row = (
    <button
      type="button"
      class={classes}
      onClick={() => onOpen(topic)}
      title={peerAddress}
      data-topic={topic}
    >
      <PeerAvatar address={peerAddress} size={36} />
      <span class="conversation-main">
        <span class="conversation-top">
          <span class="peer-line">
            <PeerLabel address={peerAddress} />
            {pinnedAt !== undefined ? (
              <span class="state-icon pinned" title="Pinned">
                <PinIcon size={13} />
                <span class="sr-only">Pinned</span>
              </span>
            ) : null}
            {muted ? (
              <span class="state-icon muted-icon" title={mutedLabel(mutedUntil!, now)}>
                <MutedIcon size={13} />
                <span class="sr-only">{mutedLabel(mutedUntil!, now)}</span>
              </span>
            ) : null}
          </span>
          <time class="muted">{listTime(lastMessage?.sentAt ?? conversation.createdAt)}</time>
        </span>
        <span class="conversation-bottom">
          {draft?.text ? (
            <span class="preview draft">
              <span class="draft-label">Draft:</span> {draft.text}
            </span>
          ) : (
            <span class="preview">{lastMessage?.preview ?? 'No messages yet'}</span>
          )}
          {unread > 0 ? (
            <span class="badge" aria-label={`${unread} unread`}>
              {unread > 99 ? '99+' : unread}
            </span>
          ) : null}
        </span>
      </span>
    </button>
  );
  if (!onMenu) return row;
  return (
    <div class="conversation-item">
      {row}
      <button
        type="button"
        class="icon more"
        aria-label={`More actions for ${shortAddress(peerAddress)}`}
        aria-haspopup="menu"
        title="More actions (.)"
        onClick={(e) => onMenu(topic, e.currentTarget)}
      >
        {/* The dots are drawn by CSS (.more-dots): an SVG of their own in every row cost ~3 ms of the first screen. */}
        <span class="more-dots" aria-hidden="true" />
      </button>
    </div>
  );
}
