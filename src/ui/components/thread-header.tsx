// The top of a thread: back, the peer (avatar and name), the conversation's actions, and for a new sender the
// question whether to accept their messages.
import type { ConversationRecord } from '@/extension/cache/records';
import type { Route } from '@/ui/app';
import { BackIcon } from '@/ui/components/icons';
import { PeerAvatar, PeerTitle } from '@/ui/components/peer';
import type { ShownError } from '@/ui/format';
import { ThreadActions } from '@/ui/thread-actions';

export function ThreadHeader({
  conversation,
  go,
  onChange,
  onError,
  onConsent,
}: {
  conversation: ConversationRecord | undefined;
  go(route: Route): void;
  onChange(conversation: ConversationRecord): void;
  onError(error: ShownError): void;
  onConsent(consent: 'allowed' | 'denied'): void;
}) {
  const peer = conversation?.peerAddress ?? '';
  return (
    <>
      <header class="bar">
        <button type="button" class="icon" aria-label="Back to inbox" onClick={() => go({ name: 'inbox' })}>
          <BackIcon />
        </button>
        {peer ? <PeerAvatar address={peer} size={28} /> : null}
        <PeerTitle address={peer} />
        <ThreadActions conversation={conversation} go={go} onChange={onChange} onError={onError} />
      </header>
      {conversation?.consent === 'unknown' ? (
        <div class="callout row">
          <span>New sender. Accept messages from this address?</span>
          <button type="button" onClick={() => onConsent('allowed')}>
            Allow
          </button>
          <button type="button" class="danger" onClick={() => onConsent('denied')}>
            Deny
          </button>
        </div>
      ) : null}
    </>
  );
}
