import { useEffect, useRef, useState } from 'preact/hooks';
import type { InboxState } from '@/extension/inbox-service';
import { ErrorNote, Field } from '@/ui/components/field';
import { Identicon } from '@/ui/components/identicon';
import { errorText, shortAddress } from '@/ui/format';
import { call } from '@/ui/rpc';

export function Unlock({ state, onUnlocked }: { state: InboxState; onUnlocked(state: InboxState): void }) {
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onUnlocked(await call('vault.unlock', { password }));
    } catch (e) {
      setError(errorText(e));
      setPassword('');
      input.current?.focus();
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="screen center unlock">
      {state.address ? <Identicon address={state.address} size={56} /> : null}
      <h1>Unlock XMTP Inbox</h1>
      {state.address ? <p class="muted mono">{shortAddress(state.address)}</p> : null}
      <form onSubmit={submit}>
        <Field label="Password">
          <input
            ref={input}
            type="password"
            autoComplete="current-password"
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            required
          />
        </Field>
        <ErrorNote error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Unlocking…' : 'Unlock'}
        </button>
      </form>
    </main>
  );
}
