// First run: link the wallet of a web page (its signatures create or enable the XMTP identity), create a
// local key, or restore an encrypted backup file; choose nodes (checked live) and a password for the vault. A
// plaintext key bundle can still be imported, behind "Advanced", with a warning.
// The same screen adds another account (`adding`, from the header's account switcher): wallet, local key or
// import, kept under the inbox password the person already has, so it asks for that password, not a new one.
import { useEffect, useState } from 'preact/hooks';
import type { AddAccountInput } from '@/extension/accounts/contract';
import type { InboxState, OnboardingInput } from '@/extension/inbox/contract';
import type { SignaturePurpose } from '@/extension/wallet/signer';
import { ErrorNote, Field, PasswordField } from '@/ui/components/field';
import { NewPasswordFields } from '@/ui/components/new-password';
import { NodeUrlsField, parseNodeList } from '@/ui/components/node-status';
import { RestoreBackupFields, type ChosenBackup } from '@/ui/components/restore-backup-fields';
import { SignaturePending } from '@/ui/components/signature-explainer';
import { WalletTabPicker } from '@/ui/components/wallet-tab-picker';
import { errorText, type ShownError } from '@/ui/format';
import { call, subscribeUpdates } from '@/ui/rpc';

type Method = 'wallet' | 'local' | 'restore' | 'import';

const METHODS: { id: Method; label: string; hint: string }[] = [
  { id: 'wallet', label: 'Link wallet', hint: 'Use the wallet of the page in your active tab' },
  { id: 'local', label: 'Create a local key', hint: 'No wallet needed; the key lives in this browser' },
  {
    id: 'restore',
    label: 'Restore a backup',
    hint: 'Open an encrypted backup file from XMTP Inbox or its CLI',
  },
];
/** Shown only after "Advanced": a plaintext key bundle is a risk most people should not take. */
const IMPORT_METHOD = {
  id: 'import',
  label: 'Import a key',
  hint: 'Paste an encoded private key bundle',
} as const;

const SUBMIT_LABELS: Record<Method, string> = {
  wallet: 'Link wallet and continue',
  local: 'Create key',
  restore: 'Restore backup',
  import: 'Import key',
};

function MethodChoice(props: {
  method: Method;
  adding: boolean;
  advanced: boolean;
  onMethod(m: Method): void;
  onAdvanced(): void;
}) {
  return (
    <>
      <fieldset class="methods">
        <legend>{props.adding ? 'How do you want to add it?' : 'How do you want to sign in?'}</legend>
        {[...METHODS, ...(props.advanced ? [IMPORT_METHOD] : [])]
          // A backup restores into an empty inbox only (it brings its own password and settings).
          .filter((m) => !(props.adding && m.id === 'restore'))
          .map((m) => (
            <button
              key={m.id}
              type="button"
              class="method"
              aria-pressed={props.method === m.id}
              onClick={() => props.onMethod(m.id)}
            >
              <strong>{m.label}</strong>
              <span>{m.hint}</span>
            </button>
          ))}
      </fieldset>
      {props.advanced ? null : (
        <button type="button" class="link" onClick={props.onAdvanced}>
          Advanced: import a plaintext key bundle…
        </button>
      )}
    </>
  );
}

/** What "Add account" sends for the chosen way (restore is not offered when adding). */
function addInput(
  method: Method,
  input: OnboardingInput & { tabId: number | undefined; keyBundle: string },
): AddAccountInput {
  const { password, nodes, storeOnNetwork } = input;
  if (method === 'wallet') return { method, password, nodes, tabId: input.tabId!, storeOnNetwork };
  if (method === 'import') return { method, password, nodes, keyBundle: input.keyBundle };
  return { method: 'local', password, nodes };
}

export function Onboarding({
  state,
  onDone,
  adding,
}: {
  state: InboxState;
  onDone(state: InboxState): void;
  /** Set when adding another account: the way back to the inbox. */
  adding?: { onCancel(): void };
}) {
  const [method, setMethod] = useState<Method>('wallet');
  const [nodesText, setNodesText] = useState(state.settings.nodes.join('\n'));
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [keyBundle, setKeyBundle] = useState('');
  const [backup, setBackup] = useState<ChosenBackup>();
  const [advanced, setAdvanced] = useState(false);
  const [tabId, setTabId] = useState<number>();
  const [storeOnNetwork, setStoreOnNetwork] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | ShownError>();
  const [signing, setSigning] = useState<{ purpose: SignaturePurpose; origin: string }>();
  const nodes = parseNodeList(nodesText);

  useEffect(
    () =>
      subscribeUpdates((update) => {
        if (update.kind === 'signature') setSigning({ purpose: update.purpose, origin: update.origin });
        if (update.kind === 'signature_done') setSigning(undefined);
      }),
    [],
  );

  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    if (method === 'restore') return restore();
    if (!adding && password !== confirm) return setError('The passwords do not match.');
    if (method === 'wallet' && tabId === undefined)
      return setError('Open a page with your wallet, then refresh.');
    setBusy(true);
    try {
      const input = { password, nodes };
      const next = adding
        ? await call('accounts.add', addInput(method, { ...input, tabId, storeOnNetwork, keyBundle }))
        : method === 'wallet'
          ? await call('onboarding.linkWallet', { ...input, tabId: tabId!, storeOnNetwork })
          : method === 'local'
            ? await call('onboarding.createLocal', input)
            : await call('onboarding.importKey', { ...input, keyBundle });
      onDone(next);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
      setSigning(undefined);
    }
  };

  const restore = async () => {
    if (!backup) return setError('Choose the backup file first.');
    setBusy(true);
    try {
      onDone(await call('onboarding.restoreBackup', { text: backup.text, password }));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const submitButton = (
    <button type="submit" class="primary" disabled={busy}>
      {busy ? 'Working…' : SUBMIT_LABELS[method]}
    </button>
  );
  return (
    <main class="screen onboarding">
      {adding ? (
        <header class="hero">
          <h1>Add an account</h1>
          <p>Your other accounts stay in this browser: switch between them from the inbox header.</p>
        </header>
      ) : (
        <header class="hero">
          <h1>Welcome to XMTP Inbox</h1>
          <p>End-to-end encrypted messages between blockchain accounts.</p>
        </header>
      )}
      <form onSubmit={submit}>
        <MethodChoice
          method={method}
          adding={adding !== undefined}
          advanced={advanced}
          onMethod={setMethod}
          onAdvanced={() => (setAdvanced(true), setMethod('import'))}
        />

        {method === 'wallet' ? (
          <WalletTabPicker
            tabId={tabId}
            onTabId={setTabId}
            storeOnNetwork={storeOnNetwork}
            onStoreOnNetwork={setStoreOnNetwork}
            onError={setError}
          />
        ) : null}

        {method === 'restore' ? (
          <RestoreBackupFields
            password={password}
            onPassword={setPassword}
            onBackup={setBackup}
            onError={setError}
          />
        ) : null}

        {method === 'import' ? (
          <p class="callout warning" role="note">
            A plaintext key bundle is your account in the clear: anyone who saw it (a clipboard, a chat, a
            file) can read and send as you. Prefer an encrypted backup file.
          </p>
        ) : null}
        {method === 'import' ? (
          <Field label="Key bundle (base64)">
            <textarea
              rows={3}
              value={keyBundle}
              onInput={(e) => setKeyBundle(e.currentTarget.value)}
              spellcheck={false}
              required
            />
          </Field>
        ) : null}

        {method === 'restore' ? null : (
          <>
            <NodeUrlsField text={nodesText} onText={setNodesText} />

            {adding ? (
              <PasswordField
                label="Inbox password"
                hint="The one you unlock with: every account here is kept under it."
                value={password}
                onValue={setPassword}
              />
            ) : (
              <NewPasswordFields
                password={password}
                confirm={confirm}
                onPassword={setPassword}
                onConfirm={setConfirm}
                hint="Encrypts your keys in this browser. At least 8 characters."
              />
            )}
          </>
        )}

        {signing ? <SignaturePending purpose={signing.purpose} origin={signing.origin} /> : null}
        <ErrorNote error={error} />
        {adding ? (
          <div class="row actions">
            <button type="button" disabled={busy} onClick={adding.onCancel}>
              Cancel
            </button>
            {submitButton}
          </div>
        ) : (
          submitButton
        )}
      </form>
    </main>
  );
}
