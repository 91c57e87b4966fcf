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
import { SignOut } from './sign-out';

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

/** A URL typed in a field and saved (trimmed) with its own button. */
function UrlSetting(props: {
  label: string;
  value: string;
  placeholder?: string;
  saveLabel: string;
  onSave(url: string): void;
  children: ComponentChildren;
}) {
  const [text, setText] = useState(props.value);
  return (
    <>
      <label>
        {props.label}
        <input
          type="url"
          value={text}
          placeholder={props.placeholder}
          onInput={(e) => setText(e.currentTarget.value)}
        />
      </label>
      <p class="muted">{props.children}</p>
      <button type="button" onClick={() => props.onSave(text.trim())}>
        {props.saveLabel}
      </button>
    </>
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
  const [saved, setSaved] = useState<string>();
  const [error, setError] = useState<string | ShownError>();
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
          <UrlSetting
            label="Upload files larger than 960 KB to"
            value={state.settings.uploadUrl}
            placeholder={state.settings.nodes[0] ?? 'https://node.example'}
            saveLabel="Save upload address"
            onSave={(uploadUrl) => update({ uploadUrl }, 'Upload address saved')}
          >
            A node with an attachment store. Empty: your first node. Files are encrypted before they leave
            this browser; the node sees only their size.
          </UrlSetting>
        </section>

        <section aria-labelledby="names-heading">
          <h2 id="names-heading">Names (ENS)</h2>
          <SettingSwitch setting="ens" saved="Names saved" settings={state.settings} update={update}>
            Show ENS names and avatars instead of addresses, and accept name.eth in New conversation
          </SettingSwitch>
          <UrlSetting
            label="Ethereum RPC"
            value={state.settings.ensRpcUrl}
            saveLabel="Save RPC"
            onSave={(ensRpcUrl) => update({ ensRpcUrl }, 'Ethereum RPC saved')}
          >
            The RPC provider learns which addresses you look up (your contacts), and avatar hosts see a
            request when an avatar loads. Use your own node for privacy, or turn names off.
          </UrlSetting>
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
          <SignOut identity={state.identity} onState={onState} onError={setError} />
        </section>
      </div>
    </main>
  );
}
