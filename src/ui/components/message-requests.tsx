// The message requests above the inbox: conversations from senders not yet allowed, folded behind a count; each
// can be allowed or denied, or several at once (one at a time on the network; a failure stops there and says so).
import { useState } from 'preact/hooks';
import type { ConversationRecord } from '@/extension/cache/records';
import { ConversationRow } from '@/ui/components/conversation-row';
import { errorText, shortAddress, type ShownError } from '@/ui/format';
import { call } from '@/ui/rpc';

export function MessageRequests({
  requests,
  onOpen,
  onDone,
  onError,
}: {
  requests: ConversationRecord[];
  onOpen(topic: string): void;
  /** Consent changed: the list reloads. */
  onDone(): void;
  onError(error: ShownError): void;
}) {
  const [showRequests, setShowRequests] = useState(false);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const setError = onError;
  const open = onOpen;
  const consent = (topic: string, value: 'allowed' | 'denied') =>
    call('conversations.setConsent', { topic, consent: value }).then(onDone, (e) => setError(errorText(e)));
  const consentSelected = async (value: 'allowed' | 'denied') => {
    const topics = requests.filter((c) => selected.has(c.topic)).map((c) => c.topic);
    // One at a time: each tells the network; a failure stops there and says which one.
    for (const topic of topics) {
      try {
        await call('conversations.setConsent', { topic, consent: value });
      } catch (e) {
        setError(errorText(e));
        break;
      }
    }
    setSelected(new Set());
    onDone();
  };

  return (
    <section class="requests" aria-label="Message requests">
      <button
        type="button"
        class="requests-toggle"
        aria-expanded={showRequests}
        onClick={() => setShowRequests(!showRequests)}
      >
        Requests <span class="badge">{requests.length}</span>
      </button>
      {showRequests ? (
        <>
          <div class="bulk row">
            <label class="choice">
              <input
                type="checkbox"
                aria-label="Select all requests"
                checked={requests.every((c) => selected.has(c.topic))}
                onChange={(e) =>
                  setSelected(new Set(e.currentTarget.checked ? requests.map((c) => c.topic) : []))
                }
              />
              <span class="muted">{selected.size ? `${selected.size} selected` : 'Select all'}</span>
            </label>
            <span class="spacer" />
            {selected.size ? (
              <>
                <button type="button" onClick={() => consentSelected('allowed')}>
                  Allow {selected.size}
                </button>
                <button type="button" class="danger" onClick={() => consentSelected('denied')}>
                  Deny {selected.size}
                </button>
              </>
            ) : null}
          </div>
          <ul class="request-list">
            {requests.map((c) => (
              <li key={c.topic} class="request">
                <input
                  type="checkbox"
                  class="request-select"
                  aria-label={`Select ${shortAddress(c.peerAddress)}`}
                  checked={selected.has(c.topic)}
                  onChange={(e) => {
                    const next = new Set(selected);
                    if (e.currentTarget.checked) next.add(c.topic);
                    else next.delete(c.topic);
                    setSelected(next);
                  }}
                />
                <ConversationRow conversation={c} onOpen={open} />
                <span class="request-actions">
                  <button type="button" onClick={() => consent(c.topic, 'allowed')}>
                    Allow
                  </button>
                  <button type="button" class="danger" onClick={() => consent(c.topic, 'denied')}>
                    Deny
                  </button>
                </span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}
