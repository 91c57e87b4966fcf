// Settings → Account: sign out, behind a confirmation that says what is erased (and that a local key without a
// backup is gone for good).
import { useState } from 'preact/hooks';
import type { InboxState } from '@/extension/inbox/contract';
import { errorText, type ShownError } from '@/ui/format';
import { call } from '@/ui/rpc';

export function SignOut(props: {
  identity: InboxState['identity'];
  onState(state: InboxState): void;
  onError(error: ShownError | string): void;
}) {
  const [confirming, setConfirming] = useState(false);
  if (!confirming) {
    return (
      <button type="button" class="danger" onClick={() => setConfirming(true)}>
        Sign out…
      </button>
    );
  }
  return (
    <div class="callout danger-zone" role="alertdialog" aria-labelledby="signout-q">
      <p id="signout-q">
        Sign out? This erases your keys and cached messages from this browser. You can sign in again with your
        wallet
        {props.identity === 'wallet' ? '' : ' (a local key is lost unless you exported a backup)'}.
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
