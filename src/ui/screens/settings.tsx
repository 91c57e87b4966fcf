// Settings: nodes (checked live), files, names, security, notifications, receipts, sync, blocked senders,
// connected sites, backup, sign out.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { InboxState } from '@/extension/inbox/contract';
import type { Route } from '@/ui/app';
import { BackIcon } from '@/ui/components/icons';
import { ErrorNote, Field } from '@/ui/components/field';
import { NodeUrlsField, parseNodeList } from '@/ui/components/node-status';
import { errorText, type ShownError } from '@/ui/format';
import { call } from '@/ui/rpc';
import { BackupExport } from '@/ui/components/backup-export';
import { BlockedSenders } from './blocked-senders';
import { ChangePassword } from './change-password';
import { ConnectedSites } from './connected-sites';

const AUTO_LOCK_CHOICES = [1, 5, 15, 60, 240, 0];

type Settings = InboxState['settings'];
type BooleanSetting = { [K in keyof Settings]: Settings[K] extends boolean ? K : never }[keyof Settings];

/** One on/off setting, saved as it is flipped. */
function SettingSwitch(props: {
  setting: BooleanSetting;
  settings: Settings;
  saved: string;
  disabled?: boolean;
  update(patch: Partial<Settings>, saved: string): void;
  children: ComponentChildren;
}) {
  return (
    <label class="choice">
      <input
        type="checkbox"
        checked={props.settings[props.setting]}
        disabled={props.disabled === true}
        onChange={(e) => props.update({ [props.setting]: e.currentTarget.checked }, props.saved)}
      />
      <span>{props.children}</span>
    </label>
  );
}

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
  const [confirmSignOut, setConfirmSignOut] = useState(false);
  const nodes = parseNodeList(nodesText);
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
          <SettingSwitch setting="ens" saved="Names saved" settings={state.settings} update={update}>
            Show ENS names and avatars instead of addresses, and accept name.eth in New conversation
          </SettingSwitch>
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
          <ChangePassword onSaved={setSaved} onError={setError} />
        </section>

        <section aria-labelledby="notifications-heading">
          <h2 id="notifications-heading">Notifications</h2>
          <SettingSwitch
            setting="notifications"
            saved="Notifications saved"
            settings={state.settings}
            update={update}
          >
            Notify me of new messages from allowed senders
          </SettingSwitch>
          <SettingSwitch
            setting="notificationContent"
            disabled={!state.settings.notifications}
            saved="Notifications saved"
            settings={state.settings}
            update={update}
          >
            Show the sender and the message in notifications (anyone near your screen can read them)
          </SettingSwitch>
        </section>

        <section aria-labelledby="receipts-heading">
          <h2 id="receipts-heading">Read receipts</h2>
          <SettingSwitch
            setting="readReceipts"
            saved="Read receipts saved"
            settings={state.settings}
            update={update}
          >
            Send read receipts: people you allowed see &ldquo;Seen&rdquo; when you have opened their messages
          </SettingSwitch>
        </section>

        <section aria-labelledby="sync-heading">
          <h2 id="sync-heading">Sync</h2>
          <SettingSwitch setting="sync" saved="Sync saved" settings={state.settings} update={update}>
            Keep pins, mutes, archive, read state and drafts the same on your other devices with this account
            (sent end-to-end encrypted to yourself over XMTP)
          </SettingSwitch>
        </section>

        <section aria-labelledby="blocked-heading">
          <h2 id="blocked-heading">Blocked senders</h2>
          <BlockedSenders onSaved={setSaved} onError={setError} />
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
