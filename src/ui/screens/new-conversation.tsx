// Start a conversation by address, optionally with a V2 conversation id (docs/protocol.md §8.1 context); the
// address is checked live for a published contact bundle (canMessage).
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Route } from '@/ui/app';
import { BackIcon } from '@/ui/components/icons';
import { ErrorNote, Field } from '@/ui/components/field';
import { errorText, type ShownError } from '@/ui/format';
import { call } from '@/ui/rpc';

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

export function NewConversation({ go }: { go(route: Route): void }) {
  const [address, setAddress] = useState('');
  const [conversationId, setConversationId] = useState('');
  const [reachable, setReachable] = useState<boolean | 'checking' | string>();
  const [error, setError] = useState<string | ShownError>();
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const valid = ADDRESS.test(address.trim());

  useEffect(() => input.current?.focus(), []);
  useEffect(() => {
    if (!valid) return setReachable(undefined);
    let cancelled = false;
    setReachable('checking');
    call('conversations.canMessage', { peerAddress: address.trim() }).then(
      (can) => !cancelled && setReachable(can),
      (e) => !cancelled && setReachable(errorText(e).text),
    );
    return () => {
      cancelled = true;
    };
  }, [address, valid]);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const conversation = await call('conversations.new', {
        peerAddress: address.trim(),
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
          label="Address"
          hint={
            !address ? (
              'An Ethereum address, 0x…'
            ) : !valid ? (
              'Not an address yet: 0x and 40 hex digits.'
            ) : reachable === 'checking' ? (
              'Checking XMTP…'
            ) : reachable === true ? (
              <span class="ok">On XMTP: you can message this address.</span>
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
            placeholder="0x…"
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
