// First run: link the wallet of a web page (its signatures create or enable the XMTP identity), create a
// local key, or restore an encrypted backup file; choose nodes (checked live) and a password for the vault. A
// plaintext key bundle can still be imported, behind "Advanced", with a warning.
import { useEffect, useState } from 'preact/hooks';
import type { InboxState, WalletTab } from '@/extension/inbox/contract';
import type { SignaturePurpose } from '@/extension/wallet/signer';
import { ErrorNote, Field } from '@/ui/components/field';
import { NewPasswordFields } from '@/ui/components/new-password';
import { NodeUrlsField, parseNodeList } from '@/ui/components/node-status';
import { SignaturePending, SignatureSteps, StoreOnNetworkChoice } from '@/ui/components/signature-explainer';
import { errorText, shortAddress, type ShownError } from '@/ui/format';
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

export function Onboarding({ state, onDone }: { state: InboxState; onDone(state: InboxState): void }) {
  const [method, setMethod] = useState<Method>('wallet');
  const [nodesText, setNodesText] = useState(state.settings.nodes.join('\n'));
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [keyBundle, setKeyBundle] = useState('');
  const [backup, setBackup] = useState<{ name: string; text: string }>();
  const [advanced, setAdvanced] = useState(false);
  const [tabs, setTabs] = useState<WalletTab[]>();
  const [tabId, setTabId] = useState<number>();
  const [storeOnNetwork, setStoreOnNetwork] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | ShownError>();
  const [signing, setSigning] = useState<{ purpose: SignaturePurpose; origin: string }>();
  const nodes = parseNodeList(nodesText);

  const findTabs = () => {
    setTabs(undefined);
    call('wallet.tabs', {}).then(
      (found) => {
        setTabs(found);
        setTabId((current) => (found.some((t) => t.tabId === current) ? current : found[0]?.tabId));
      },
      (e) => {
        setTabs([]);
        setError(errorText(e));
      },
    );
  };

  useEffect(() => {
    if (method === 'wallet') findTabs();
  }, [method]);

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
    if (password !== confirm) return setError('The passwords do not match.');
    if (method === 'wallet' && tabId === undefined)
      return setError('Open a page with your wallet, then refresh.');
    setBusy(true);
    try {
      const input = { password, nodes };
      const next =
        method === 'wallet'
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

  const chooseFile = async (file: File | undefined) => {
    setError(undefined);
    if (!file) return setBackup(undefined);
    if (file.size > 512 * 1024 * 1024) return setError('That file is too large to be an XMTP Inbox backup.');
    setBackup({ name: file.name, text: await file.text() });
  };

  return (
    <main class="screen onboarding">
      <header class="hero">
        <h1>Welcome to XMTP Inbox</h1>
        <p>End-to-end encrypted messages between blockchain accounts.</p>
      </header>
      <form onSubmit={submit}>
        <fieldset class="methods">
          <legend>How do you want to sign in?</legend>
          {(advanced ? [...METHODS, IMPORT_METHOD] : METHODS).map((m) => (
            <button
              key={m.id}
              type="button"
              class="method"
              aria-pressed={method === m.id}
              onClick={() => setMethod(m.id)}
            >
              <strong>{m.label}</strong>
              <span>{m.hint}</span>
            </button>
          ))}
        </fieldset>
        {advanced ? null : (
          <button type="button" class="link" onClick={() => (setAdvanced(true), setMethod('import'))}>
            Advanced: import a plaintext key bundle…
          </button>
        )}

        {method === 'wallet' ? (
          <section class="panel" aria-label="Wallet">
            <div class="row">
              <span class="field-label">Wallet pages</span>
              <button type="button" class="link" onClick={findTabs}>
                Refresh
              </button>
            </div>
            {tabs === undefined ? (
              <p class="muted">Looking for wallets in your tabs…</p>
            ) : tabs.length === 0 ? (
              <p class="muted">
                No wallet found. Open a dapp page where your wallet is available, then refresh.
              </p>
            ) : (
              <div role="radiogroup" aria-label="Wallet page">
                {tabs.map((tab) => (
                  <label key={tab.tabId} class="choice">
                    <input
                      type="radio"
                      name="tab"
                      checked={tabId === tab.tabId}
                      onChange={() => setTabId(tab.tabId)}
                    />
                    <span>
                      {tab.origin}
                      {tab.accounts[0] ? ` · ${shortAddress(tab.accounts[0])}` : ''}
                    </span>
                  </label>
                ))}
              </div>
            )}
            <p class="muted">Your wallet will ask for up to two signatures:</p>
            <SignatureSteps />
            <StoreOnNetworkChoice checked={storeOnNetwork} onChange={setStoreOnNetwork} />
          </section>
        ) : null}

        {method === 'restore' ? (
          <section class="panel" aria-label="Restore from a backup">
            <Field label="Backup file" hint="A .xmtpbackup file, from Settings → Backup or the CLI">
              <input
                type="file"
                accept=".xmtpbackup,application/json"
                onChange={(e) => void chooseFile(e.currentTarget.files?.[0])}
                required
              />
            </Field>
            <Field
              label="Backup password"
              hint="The file's password; it also becomes this browser's password."
            >
              <input
                type="password"
                autoComplete="current-password"
                value={password}
                onInput={(e) => setPassword(e.currentTarget.value)}
                required
              />
            </Field>
            <p class="muted">Your keys, nodes, contacts, pins, mutes and drafts come back, ready offline.</p>
          </section>
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

            <NewPasswordFields
              password={password}
              confirm={confirm}
              onPassword={setPassword}
              onConfirm={setConfirm}
              hint="Encrypts your keys in this browser. At least 8 characters."
            />
          </>
        )}

        {signing ? <SignaturePending purpose={signing.purpose} origin={signing.origin} /> : null}
        <ErrorNote error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {busy
            ? 'Working…'
            : method === 'wallet'
              ? 'Link wallet and continue'
              : method === 'local'
                ? 'Create key'
                : method === 'restore'
                  ? 'Restore backup'
                  : 'Import key'}
        </button>
      </form>
    </main>
  );
}
