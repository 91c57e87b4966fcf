// Settings → Account: sign out, behind a confirmation that says what is erased (and that a local key without a
// backup is gone for good). With several accounts it signs out of the shown one only, and says so.
import { useState } from 'preact/hooks';
import type { InboxState } from '@/extension/inbox/contract';
import { errorText, type ShownError } from '@/ui/format';
import { call } from '@/ui/rpc';
import { useAccountCount } from '@/ui/use-account-count';

export function SignOut(props: {
  identity: InboxState['identity'];
  onState(state: InboxState): void;
  onError(error: ShownError | string): void;
}) {
  const [confirming, setConfirming] = useState(false);
  const others = useAccountCount() - 1;
  if (!confirming) {
    return (
      <button type="button" class="danger" onClick={() => setConfirming(true)}>
        {others ? 'Sign out of this account…' : 'Sign out…'}
      </button>
    );
  }
  const staying = others === 1 ? 'Your other account stays' : `Your ${others} other accounts stay`;
  return (
    <div class="callout danger-zone" role="alertdialog" aria-labelledby="signout-q">
      <p id="signout-q">
        {others ? 'Sign out of this account? This erases its' : 'Sign out? This erases your'} keys and cached
        messages from this browser. You can sign in again with your wallet
        {props.identity === 'wallet' ? '' : ' (a local key is lost unless you exported a backup)'}.
        {others ? ` ${staying}, with the same password.` : ''}
      </p>
      <div class="row">
        <button
          type="button"
          class="danger"
          onClick={() => call('account.signOut', {}).then(props.onState, (e) => props.onError(errorText(e)))}
        >
          Yes, sign out
        </button>
        <button type="button" onClick={() => setConfirming(false)} autoFocus>
          Cancel
        </button>
      </div>
    </div>
  );
}
