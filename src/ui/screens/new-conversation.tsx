// Start a conversation by address or ENS name (name.eth, resolved by the background), optionally with a V2
// conversation id (docs/protocol.md §8.1 context); the address is checked live for a published contact bundle
// (canMessage).
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Route } from '@/ui/app';
import { BackIcon } from '@/ui/components/icons';
import { ErrorNote, Field } from '@/ui/components/field';
import { errorText, type ShownError } from '@/ui/format';
import { call } from '@/ui/rpc';

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
/** Looks like an ENS name: labels with a dot, no spaces (the background normalises and checks it). */
const NAME = /^[^\s.]+(\.[^\s.]+)+$/;

export function NewConversation({ go }: { go(route: Route): void }) {
  const [address, setAddress] = useState('');
  const [conversationId, setConversationId] = useState('');
  const [reachable, setReachable] = useState<boolean | 'checking' | string>();
  const [error, setError] = useState<string | ShownError>();
  const [busy, setBusy] = useState(false);
  /** What a typed name resolved to: its address, or why not. */
  const [resolved, setResolved] = useState<{ name: string; address?: string; error?: string }>();
  const input = useRef<HTMLInputElement>(null);
  const typed = address.trim();
  const isName = !ADDRESS.test(typed) && NAME.test(typed);
  const peer = ADDRESS.test(typed)
    ? typed
    : isName && resolved?.name === typed
      ? resolved.address
      : undefined;
  const valid = peer !== undefined;

  useEffect(() => input.current?.focus(), []);
  useEffect(() => {
    if (!isName) return setResolved(undefined);
    let cancelled = false;
    setResolved({ name: typed });
    // A moment after typing stops: one lookup for the name, not one per letter.
    const timer = setTimeout(() => {
      call('names.resolve', { name: typed }).then(
        ({ address: found }) => !cancelled && setResolved({ name: typed, address: found }),
        (e) => !cancelled && setResolved({ name: typed, error: errorText(e).text }),
      );
    }, 300);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [typed, isName]);
  useEffect(() => {
    if (!peer) return setReachable(undefined);
    let cancelled = false;
    setReachable('checking');
    call('conversations.canMessage', { peerAddress: peer }).then(
      (can) => !cancelled && setReachable(can),
      (e) => !cancelled && setReachable(errorText(e).text),
    );
    return () => {
      cancelled = true;
    };
  }, [peer]);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      if (!peer) return;
      const conversation = await call('conversations.new', {
        peerAddress: peer,
        ...(conversationId.trim() ? { conversationId: conversationId.trim() } : {}),
      });
      go({ name: 'thread', topic: conversation.topic });
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="screen">
      <header class="bar">
        <button type="button" class="icon" aria-label="Back to inbox" onClick={() => go({ name: 'inbox' })}>
          <BackIcon />
        </button>
        <h1>New conversation</h1>
      </header>
      <form onSubmit={submit} class="stack">
        <Field
          label="Address or ENS name"
          hint={
            !address ? (
              'An Ethereum address (0x…) or an ENS name (name.eth)'
            ) : isName && resolved?.error ? (
              <span class="bad">{resolved.error}</span>
            ) : isName && !peer ? (
              'Looking up the name…'
            ) : !valid ? (
              'Not an address yet: 0x and 40 hex digits, or a name like name.eth.'
            ) : reachable === 'checking' ? (
              'Checking XMTP…'
            ) : reachable === true ? (
              <span class="ok">
                {isName ? (
                  <>
                    {typed} is <span class="mono">{peer}</span>, on XMTP: you can message it.
                  </>
                ) : (
                  'On XMTP: you can message this address.'
                )}
              </span>
            ) : reachable === false ? (
              <span class="bad">This address has not used XMTP yet.</span>
            ) : (
              <span class="bad">{String(reachable)}</span>
            )
          }
        >
          <input
            ref={input}
            class="mono"
            value={address}
            onInput={(e) => setAddress(e.currentTarget.value)}
            placeholder="0x… or name.eth"
            spellcheck={false}
            required
          />
        </Field>
        <Field
          label="Conversation id (optional)"
          hint="Separate threads with the same address, e.g. lens.dev/dm/…"
        >
          <input
            value={conversationId}
            onInput={(e) => setConversationId(e.currentTarget.value)}
            spellcheck={false}
          />
        </Field>
        <ErrorNote error={error} />
        <button type="submit" class="primary" disabled={!valid || busy || reachable === false}>
          {busy ? 'Starting…' : 'Start conversation'}
        </button>
      </form>
    </main>
  );
}
