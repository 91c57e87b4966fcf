// Settings: nodes (checked live), auto-lock, notifications, password, connected sites, backup, sign out.
import { useEffect, useState } from 'preact/hooks';
import type { ConversationRecord } from '@/extension/cache/records';
import type { InboxState } from '@/extension/inbox-service';
import type { Route } from '@/ui/app';
import { BackIcon } from '@/ui/components/icons';
import { ErrorNote, Field } from '@/ui/components/field';
import { StrengthMeter } from '@/ui/components/new-password';
import { NodeUrlsField, parseNodeList } from '@/ui/components/node-status';
import { Identicon } from '@/ui/components/identicon';
import { errorText, shortAddress, type ShownError } from '@/ui/format';
import { call } from '@/ui/rpc';
import { BackupExport } from '@/ui/components/backup-export';
import { ConnectedSites } from './connected-sites';

const AUTO_LOCK_CHOICES = [1, 5, 15, 60, 240, 0];

export function Settings({
  state,
  go,
  onState,
}: {
  state: InboxState;
  go(route: Route): void;
  onState(s: InboxState): void;
}) {
  const [nodesText, setNodesText] = useState(state.settings.nodes.join('\n'));
  const [uploadUrl, setUploadUrl] = useState(state.settings.uploadUrl);
  const [ensRpcUrl, setEnsRpcUrl] = useState(state.settings.ensRpcUrl);
  const [saved, setSaved] = useState<string>();
  const [error, setError] = useState<string | ShownError>();
  const [oldPassword, setOldPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [confirmSignOut, setConfirmSignOut] = useState(false);
  const nodes = parseNodeList(nodesText);
  const [blocked, setBlocked] = useState<ConversationRecord[]>();
  const loadBlocked = () =>
    call('conversations.list', {}).then(
      (all) => setBlocked(all.filter((c) => c.consent === 'denied')),
      () => setBlocked([]),
    );
  useEffect(() => void loadBlocked(), []);
  const unblock = (topic: string) =>
    call('conversations.setConsent', { topic, consent: 'allowed' }).then(
      () => {
        // Off the list at once, with the note; the reload then brings whatever else changed.
        setBlocked((list) => list?.filter((c) => c.topic !== topic));
        setSaved('Sender unblocked');
        void loadBlocked();
      },
      (e) => setError(errorText(e)),
    );

  const update = (patch: Parameters<typeof call<'settings.update'>>[1], what: string) => {
    setError(undefined);
    call('settings.update', patch).then(
      (settings) => {
        onState({ ...state, settings });
        setSaved(what);
      },
      (e) => setError(errorText(e)),
    );
  };

  const changePassword = (event: Event) => {
    event.preventDefault();
    setError(undefined);
    call('vault.changePassword', { oldPassword, newPassword }).then(
      () => {
        setOldPassword('');
        setNewPassword('');
        setSaved('Password changed');
      },
      (e) => setError(errorText(e)),
    );
  };

  return (
    <main class="screen settings">
      <header class="bar">
        <button type="button" class="icon" aria-label="Back to inbox" onClick={() => go({ name: 'inbox' })}>
          <BackIcon />
        </button>
        <h1>Settings</h1>
      </header>
      <div class="stack scroll">
        {saved ? (
          <p class="ok" role="status">
            {saved}.
          </p>
        ) : null}
        <ErrorNote error={error} />
        <section aria-labelledby="nodes-heading">
          <h2 id="nodes-heading">Nodes</h2>
          <NodeUrlsField text={nodesText} onText={setNodesText} />
          <button type="button" onClick={() => update({ nodes }, 'Nodes saved')}>
            Save nodes
          </button>
        </section>

        <section aria-labelledby="files-heading">
          <h2 id="files-heading">Files</h2>
          <label>
            Upload files larger than 960 KB to
            <input
              type="url"
              value={uploadUrl}
              placeholder={state.settings.nodes[0] ?? 'https://node.example'}
              onInput={(e) => setUploadUrl(e.currentTarget.value)}
            />
          </label>
          <p class="muted">
            A node with an attachment store. Empty: your first node. Files are encrypted before they leave
            this browser; the node sees only their size.
          </p>
          <button
            type="button"
            onClick={() => update({ uploadUrl: uploadUrl.trim() }, 'Upload address saved')}
          >
            Save upload address
          </button>
        </section>

        <section aria-labelledby="names-heading">
          <h2 id="names-heading">Names (ENS)</h2>
          <label class="choice">
            <input
              type="checkbox"
              checked={state.settings.ens}
              onChange={(e) => update({ ens: e.currentTarget.checked }, 'Names saved')}
            />
            <span>
              Show ENS names and avatars instead of addresses, and accept name.eth in New conversation
            </span>
          </label>
          <label>
            Ethereum RPC
            <input type="url" value={ensRpcUrl} onInput={(e) => setEnsRpcUrl(e.currentTarget.value)} />
          </label>
          <p class="muted">
            The RPC provider learns which addresses you look up (your contacts), and avatar hosts see a
            request when an avatar loads. Use your own node for privacy, or turn names off.
          </p>
          <button type="button" onClick={() => update({ ensRpcUrl: ensRpcUrl.trim() }, 'Ethereum RPC saved')}>
            Save RPC
          </button>
        </section>

        <section aria-labelledby="security-heading">
          <h2 id="security-heading">Security</h2>
          <Field label="Lock after inactivity">
            <select
              value={String(state.settings.autoLockMinutes)}
              onChange={(e) => update({ autoLockMinutes: Number(e.currentTarget.value) }, 'Auto-lock saved')}
            >
              {AUTO_LOCK_CHOICES.map((m) => (
                <option key={m} value={String(m)}>
                  {m === 0 ? 'Never' : m < 60 ? `${m} min` : `${m / 60} h`}
                </option>
              ))}
            </select>
          </Field>
          <button
            type="button"
            onClick={() => call('vault.lock', {}).then(onState, (e) => setError(errorText(e)))}
          >
            Lock now
          </button>
          <form onSubmit={changePassword} class="stack">
            <Field label="Current password">
              <input
                type="password"
                autoComplete="current-password"
                value={oldPassword}
                onInput={(e) => setOldPassword(e.currentTarget.value)}
                required
              />
            </Field>
            <Field label="New password">
              <input
                type="password"
                autoComplete="new-password"
                minLength={8}
                value={newPassword}
                onInput={(e) => setNewPassword(e.currentTarget.value)}
                required
              />
            </Field>
            <StrengthMeter password={newPassword} />
            <button type="submit">Change password</button>
          </form>
        </section>

        <section aria-labelledby="notifications-heading">
          <h2 id="notifications-heading">Notifications</h2>
          <label class="choice">
            <input
              type="checkbox"
              checked={state.settings.notifications}
              onChange={(e) => update({ notifications: e.currentTarget.checked }, 'Notifications saved')}
            />
            <span>Notify me of new messages from allowed senders</span>
          </label>
          <label class="choice">
            <input
              type="checkbox"
              checked={state.settings.notificationContent}
              disabled={!state.settings.notifications}
              onChange={(e) =>
                update({ notificationContent: e.currentTarget.checked }, 'Notifications saved')
              }
            />
            <span>
              Show the sender and the message in notifications (anyone near your screen can read them)
            </span>
          </label>
        </section>

        <section aria-labelledby="receipts-heading">
          <h2 id="receipts-heading">Read receipts</h2>
          <label class="choice">
            <input
              type="checkbox"
              checked={state.settings.readReceipts}
              onChange={(e) => update({ readReceipts: e.currentTarget.checked }, 'Read receipts saved')}
            />
            <span>
              Send read receipts: people you allowed see &ldquo;Seen&rdquo; when you have opened their
              messages
            </span>
          </label>
        </section>

        <section aria-labelledby="sync-heading">
          <h2 id="sync-heading">Sync</h2>
          <label class="choice">
            <input
              type="checkbox"
              checked={state.settings.sync}
              onChange={(e) => update({ sync: e.currentTarget.checked }, 'Sync saved')}
            />
            <span>
              Keep pins, mutes, archive, read state and drafts the same on your other devices with this
              account (sent end-to-end encrypted to yourself over XMTP)
            </span>
          </label>
        </section>

        <section aria-labelledby="blocked-heading">
          <h2 id="blocked-heading">Blocked senders</h2>
          {blocked === undefined ? (
            <p class="muted">Loading…</p>
          ) : blocked.length === 0 ? (
            <p class="muted">Nobody is blocked. Deny a message request to block its sender.</p>
          ) : (
            <ul class="blocked">
              {blocked.map((c) => (
                <li key={c.topic} class="row">
                  <Identicon address={c.peerAddress} size={20} />
                  <span class="mono spacer" title={c.peerAddress}>
                    {shortAddress(c.peerAddress)}
                  </span>
                  <button type="button" onClick={() => unblock(c.topic)}>
                    Unblock
                  </button>
                </li>
              ))}
            </ul>
          )}
        </section>

        <section aria-labelledby="sites-heading">
          <h2 id="sites-heading">Connected sites</h2>
          <ConnectedSites onSaved={setSaved} onError={setError} />
        </section>

        <section aria-labelledby="backup-heading">
          <h2 id="backup-heading">Backup</h2>
          <BackupExport onSaved={setSaved} />
        </section>

        <section aria-labelledby="account-heading">
          <h2 id="account-heading">Account</h2>
          {confirmSignOut ? (
            <div class="callout danger-zone" role="alertdialog" aria-labelledby="signout-q">
              <p id="signout-q">
                Sign out? This erases your keys and cached messages from this browser. You can sign in again
                with your wallet
                {state.identity === 'wallet' ? '' : ' (a local key is lost unless you exported a backup)'}.
              </p>
              <div class="row">
                <button
                  type="button"
                  class="danger"
                  onClick={() => call('account.signOut', {}).then(onState, (e) => setError(errorText(e)))}
                >
                  Yes, sign out
                </button>
                <button type="button" onClick={() => setConfirmSignOut(false)} autoFocus>
                  Cancel
                </button>
              </div>
            </div>
          ) : (
            <button type="button" class="danger" onClick={() => setConfirmSignOut(true)}>
              Sign out…
            </button>
          )}
        </section>
      </div>
    </main>
  );
}
