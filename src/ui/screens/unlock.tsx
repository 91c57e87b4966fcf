import { useEffect, useRef, useState } from 'preact/hooks';
import type { InboxState } from '@/extension/inbox/contract';
import { ErrorNote, PasswordField } from '@/ui/components/field';
import { Identicon } from '@/ui/components/identicon';
import { errorText, shortAddress, type ShownError } from '@/ui/format';
import { call } from '@/ui/rpc';
import { useAccountCount } from '@/ui/use-account-count';

export function Unlock({ state, onUnlocked }: { state: InboxState; onUnlocked(state: InboxState): void }) {
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | ShownError>();
  const [busy, setBusy] = useState(false);
  const [forgot, setForgot] = useState(false);
  const accounts = useAccountCount();
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
      {accounts > 1 ? <p class="muted">One password unlocks all {accounts} accounts.</p> : null}
      <form onSubmit={submit}>
        <PasswordField label="Password" value={password} onValue={setPassword} inputRef={input} />
        <ErrorNote error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Unlocking…' : 'Unlock'}
        </button>
      </form>
      {forgot ? (
        <div class="callout danger-zone" role="alertdialog" aria-labelledby="forgot-q">
          <p id="forgot-q">
            The password cannot be recovered. Signing out erases the keys and cached messages in this browser;
            a wallet identity comes back by linking the wallet again
            {state.identity === 'wallet' ? '' : ' (a local key does not)'}.
          </p>
          <div class="row">
            <button
              type="button"
              class="danger"
              onClick={() => call('account.signOut', {}).then(onUnlocked, (e) => setError(errorText(e)))}
            >
              Sign out
            </button>
            <button type="button" onClick={() => setForgot(false)}>
              Cancel
            </button>
          </div>
        </div>
      ) : (
        <button type="button" class="link" onClick={() => setForgot(true)}>
          Forgot your password?
        </button>
      )}
    </main>
  );
}
