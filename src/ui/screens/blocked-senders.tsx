// Settings → Blocked senders: the peers whose requests were denied; Unblock allows them again (the consent
// list every XMTP client of the account reads).
import { useEffect, useState } from 'preact/hooks';
import type { ConversationRecord } from '@/extension/cache/records';
import { Identicon } from '@/ui/components/identicon';
import { errorText, shortAddress, type ShownError } from '@/ui/format';
import { call } from '@/ui/rpc';

export function BlockedSenders({
  onSaved,
  onError,
}: {
  onSaved(text: string): void;
  onError(error: ShownError): void;
}) {
  const [blocked, setBlocked] = useState<ConversationRecord[]>();
  const load = () =>
    call('conversations.list', {}).then(
      (all) => setBlocked(all.filter((c) => c.consent === 'denied')),
      () => setBlocked([]),
    );
  useEffect(() => void load(), []);
  const unblock = (topic: string) =>
    call('conversations.setConsent', { topic, consent: 'allowed' }).then(
      () => {
        // Off the list at once, with the note; the reload then brings whatever else changed.
        setBlocked((list) => list?.filter((c) => c.topic !== topic));
        onSaved('Sender unblocked');
        void load();
      },
      (e) => onError(errorText(e)),
    );

  if (blocked === undefined) return <p class="muted">Loading…</p>;
  if (blocked.length === 0)
    return <p class="muted">Nobody is blocked. Deny a message request to block its sender.</p>;
  return (
    <ul class="blocked">
      {blocked.map((c) => (
        <li key={c.topic} class="row">
          <Identicon address={c.peerAddress} size={20} />
          <span class="mono spacer" title={c.peerAddress}>
            {shortAddress(c.peerAddress)}
          </span>
          <button type="button" onClick={() => unblock(c.topic)}>
            Unblock
          </button>
        </li>
      ))}
    </ul>
  );
}
