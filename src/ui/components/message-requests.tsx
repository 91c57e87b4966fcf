// The message requests above the inbox: conversations from senders not yet allowed, folded behind their count;
// each can be allowed or denied, or several at once: those ticked, or every request (matching the search), shown
// or not, in one consent update the worker publishes. The fold shows a page of them and more on asking.
import { useEffect, useState } from 'preact/hooks';
import type { ConversationRecord } from '@/extension/cache/records';
import { ConversationRow } from '@/ui/components/conversation-row';
import { errorText, shortAddress, type ShownError } from '@/ui/format';
import { call } from '@/ui/rpc';

/** What a bulk action covers: every request (matching the search), or the ticked ones. */
type Selection = { all: true } | { all: false; topics: ReadonlySet<string> };

const NONE: Selection = { all: false, topics: new Set() };

export function MessageRequests({
  requests,
  total,
  query,
  onMore,
  onOpen,
  onDone,
  onError,
}: {
  /** The requests shown (the first pages). */
  requests: ConversationRecord[];
  /** How many there are (matching the search). */
  total: number;
  /** The search box, which "all requests" is narrowed by. */
  query: string;
  /** Shows a page more. */
  onMore(): void;
  onOpen(topic: string): void;
  /** Consent changed: the list reloads. */
  onDone(): void;
  onError(error: ShownError): void;
}) {
  const [showRequests, setShowRequests] = useState(false);
  const [selection, setSelection] = useState<Selection>(NONE);
  const [busy, setBusy] = useState<string>();
  const setError = onError;
  const open = onOpen;
  // A new search shows other requests: nothing stays ticked out of sight.
  useEffect(() => setSelection(NONE), [query]);
  const isSelected = (topic: string) => selection.all || selection.topics.has(topic);
  const selectedCount = selection.all ? total : selection.topics.size;
  const consent = (topic: string, value: 'allowed' | 'denied') =>
    call('conversations.setConsent', { topic, consent: value }).then(onDone, (e) => setError(errorText(e)));
  const consentSelected = async (value: 'allowed' | 'denied') => {
    const n = selectedCount.toLocaleString();
    setBusy(value === 'allowed' ? `Allowing ${n}…` : `Denying ${n}…`);
    try {
      await call(
        'conversations.setConsentMany',
        selection.all
          ? { allRequests: true, consent: value, ...(query ? { query } : {}) }
          : { topics: [...selection.topics], consent: value },
      );
    } catch (e) {
      // The worker says how many changed before the failure; the reload shows what is left.
      setError(errorText(e));
    }
    setBusy(undefined);
    setSelection(NONE);
    onDone();
  };
  const toggle = (topic: string, on: boolean) => {
    // Unticking one of "all" leaves the others shown ticked.
    const topics = new Set(selection.all ? requests.map((c) => c.topic) : selection.topics);
    if (on) topics.add(topic);
    else topics.delete(topic);
    setSelection({ all: false, topics });
  };

  return (
    <section class="requests" aria-label="Message requests">
      <button
        type="button"
        class="requests-toggle"
        aria-expanded={showRequests}
        onClick={() => setShowRequests(!showRequests)}
      >
        Requests <span class="badge">{total.toLocaleString()}</span>
      </button>
      {showRequests ? (
        <>
          <div class="bulk row">
            <label class="choice">
              <input
                type="checkbox"
                aria-label="Select all requests"
                checked={selection.all}
                disabled={busy !== undefined}
                onChange={(e) => setSelection(e.currentTarget.checked ? { all: true } : NONE)}
              />
              <span class="muted">
                {selection.all
                  ? `All ${total.toLocaleString()} selected`
                  : selectedCount
                    ? `${selectedCount} selected`
                    : 'Select all'}
              </span>
            </label>
            <span class="spacer" />
            {busy ? (
              <span class="muted" role="status">
                {busy}
              </span>
            ) : selectedCount ? (
              <>
                <button type="button" onClick={() => consentSelected('allowed')}>
                  Allow {selectedCount.toLocaleString()}
                </button>
                <button type="button" class="danger" onClick={() => consentSelected('denied')}>
                  Deny {selectedCount.toLocaleString()}
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
                  checked={isSelected(c.topic)}
                  disabled={busy !== undefined}
                  onChange={(e) => toggle(c.topic, e.currentTarget.checked)}
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
          {requests.length < total ? (
            <button type="button" class="link more-requests" onClick={onMore}>
              Show more ({(total - requests.length).toLocaleString()} not shown)
            </button>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
