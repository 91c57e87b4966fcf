// The approval window (entrypoints/approve): a dapp asks for access to the inbox, or to link the page's wallet
// as a new identity. Shows the origin and exactly what is asked; Approve or Reject (Escape rejects, closing the
// window rejects too). Keyboard: focus starts on Reject, Tab reaches Approve. Approve is enabled only once the
// window has been visible and focused for a moment (ARM_MS), so a click or key press meant for the page that
// opened it cannot approve by accident (issue #21).
import { useEffect, useRef, useState } from 'preact/hooks';
import type { InboxState } from '@/extension/inbox/contract';
import type { ApprovalRequest } from '@/extension/messages/dapp';
import { AccessRequestDetails } from '@/ui/components/access-request';
import { ErrorNote } from '@/ui/components/field';
import { NewPasswordFields } from '@/ui/components/new-password';
import { StoreOnNetworkChoice } from '@/ui/components/signature-explainer';
import { dappCall } from '@/ui/dapp-rpc';
import { errorText, type ShownError } from '@/ui/format';
import { call } from '@/ui/rpc';
import { useAccountCount } from '@/ui/use-account-count';

const HEARTBEAT_MS = 20_000;
/** How long the window must be visible and focused before Approve works. */
export const ARM_MS = 1_000;

/** True once the window has been visible and focused for `ms` without interruption; false again on blur. */
function useArmedAfterFocus(ms: number): boolean {
  const [armed, setArmed] = useState(false);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const update = () => {
      clearTimeout(timer);
      setArmed(false);
      if (document.visibilityState === 'visible' && document.hasFocus())
        timer = setTimeout(() => setArmed(true), ms);
    };
    update();
    window.addEventListener('focus', update);
    window.addEventListener('blur', update);
    document.addEventListener('visibilitychange', update);
    return () => {
      clearTimeout(timer);
      window.removeEventListener('focus', update);
      window.removeEventListener('blur', update);
      document.removeEventListener('visibilitychange', update);
    };
  }, [ms]);
  return armed;
}

export function Approve({ id, close }: { id: string; close(): void }) {
  const [request, setRequest] = useState<ApprovalRequest | null>();
  const [error, setError] = useState<string | ShownError>();
  const [busy, setBusy] = useState(false);
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [inbox, setInbox] = useState<InboxState>();
  const [storeOnNetwork, setStoreOnNetwork] = useState(false);
  const armed = useArmedAfterFocus(ARM_MS);
  const reject = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    dappCall('dapp.approval.get', { id }).then(setRequest, (e) => {
      setRequest(null);
      setError(errorText(e));
    });
  }, [id]);
  useEffect(() => reject.current?.focus(), [request]);
  // An MV3 worker stops after ~30 s without events; while the user reads, keep it (and this prompt) alive, and
  // notice if the prompt was lost anyway (the requesting page then got 4900).
  useEffect(() => {
    if (!request || busy) return;
    const timer = setInterval(() => {
      dappCall('dapp.approval.get', { id }).then(
        (current) => current === null && setRequest(null),
        () => undefined,
      );
    }, HEARTBEAT_MS);
    return () => clearInterval(timer);
  }, [request, busy, id]);
  useEffect(() => void call('state.get', {}).then(setInbox, () => undefined), []);
  const accounts = useAccountCount();

  const answer = async (approved: boolean) => {
    if (approved && !armed) return;
    setBusy(true);
    setError(undefined);
    try {
      await dappCall(
        'dapp.approval.answer',
        approved
          ? { id, approved, ...(password ? { password } : {}), ...(storeOnNetwork ? { storeOnNetwork } : {}) }
          : { id, approved },
      );
      close();
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  };

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && !busy) void answer(false);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  if (request === undefined) return <main class="screen center">Loading…</main>;
  if (request === null) {
    return (
      <main class="screen center approve">
        <p>This request is no longer waiting.</p>
        <ErrorNote error={error} />
        <button type="button" onClick={close}>
          Close
        </button>
      </main>
    );
  }

  const linking = request.kind === 'linkWallet';
  const mismatch = linking && confirm !== '' && confirm !== password;
  return (
    <main class="screen approve">
      <header class="bar">
        <h1>{linking ? 'Create your XMTP identity' : 'Connect to XMTP Inbox'}</h1>
      </header>
      <form
        class="stack scroll"
        onSubmit={(event) => {
          event.preventDefault();
          if (!mismatch) void answer(true);
        }}
      >
        <p class="origin">
          <span class="muted">This site</span>
          <strong class="mono" data-testid="origin">
            {request.origin}
          </strong>
        </p>
        {request.kind === 'access' ? (
          <AccessRequestDetails request={request} inbox={inbox} accounts={accounts} />
        ) : (
          <>
            <p>
              asks to create your XMTP identity with the wallet on that page. Your wallet will ask you to sign
              &ldquo;XMTP : Create Identity&rdquo; (only the first time this account uses XMTP) and, if your
              keys are stored on the network, &ldquo;XMTP : Enable Identity&rdquo;, which unlocks them: this
              site sees that signature, so it could read those keys. Link only on a site you trust.
            </p>
            <NewPasswordFields
              password={password}
              confirm={confirm}
              onPassword={setPassword}
              onConfirm={setConfirm}
              hint="Encrypts your keys in this browser (8+ characters)."
              {...(mismatch ? { confirmHint: 'The passwords differ.' } : {})}
            />
            <StoreOnNetworkChoice checked={storeOnNetwork} onChange={setStoreOnNetwork} />
            {busy ? (
              <p class="callout" role="status">
                Check the wallet on {request.origin}: it asks for your signatures.
              </p>
            ) : null}
          </>
        )}
        <ErrorNote error={error} />
        <div class="row actions">
          <button type="button" ref={reject} disabled={busy} onClick={() => void answer(false)}>
            Reject
          </button>
          <button type="submit" class="primary" disabled={busy || mismatch || !armed} data-testid="approve">
            {linking ? 'Link wallet' : 'Approve'}
          </button>
        </div>
      </form>
    </main>
  );
}
