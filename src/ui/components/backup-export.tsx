// Settings → Backup: writes the account as an encrypted backup file (docs/backup-format.md) and saves it through
// the browser's downloads. The file opens with its own password, in this extension or the CLI.
import { useState } from 'preact/hooks';
import { ErrorNote } from '@/ui/components/field';
import { NewPasswordFields } from '@/ui/components/new-password';
import { errorText, type ShownError } from '@/ui/format';
import { call } from '@/ui/rpc';

export function BackupExport({ onSaved }: { onSaved(what: string): void }) {
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [includeMessages, setIncludeMessages] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | ShownError>();

  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    if (password !== confirm) return setError('The passwords do not match.');
    setBusy(true);
    try {
      const { fileName, text } = await call('backup.export', { password, includeMessages });
      const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = fileName;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      setPassword('');
      setConfirm('');
      onSaved(`Backup saved as ${fileName}`);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} aria-label="Export a backup">
      <p class="muted">
        One encrypted file with your keys, nodes, contacts' consent, pins, mutes, archive and drafts. Keep it
        somewhere safe: with its password it is your account. Restore it here or with the CLI (
        <code>xmtp-inbox client backup import</code>).
      </p>
      <NewPasswordFields
        password={password}
        confirm={confirm}
        onPassword={setPassword}
        onConfirm={setConfirm}
        hint="Encrypts the file. You need it to restore; nobody can recover it."
      />
      <label class="choice">
        <input
          type="checkbox"
          checked={includeMessages}
          onChange={(e) => setIncludeMessages(e.currentTarget.checked)}
        />
        <span>Include the message history cached here (a larger file)</span>
      </label>
      <ErrorNote error={error} />
      <button type="submit" disabled={busy}>
        {busy ? 'Encrypting…' : 'Export backup file'}
      </button>
    </form>
  );
}
