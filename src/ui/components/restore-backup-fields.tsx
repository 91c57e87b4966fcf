// The restore step of onboarding: the backup file (read as text here; the worker parses and decrypts it) and its
// password, which also becomes this browser's vault password.
import { Field, PasswordField } from '@/ui/components/field';

/** Larger than any backup the extension or the CLI writes; refused before reading it into memory. */
const MAX_BACKUP_BYTES = 512 * 1024 * 1024;

export interface ChosenBackup {
  name: string;
  text: string;
}

export function RestoreBackupFields(props: {
  password: string;
  onPassword(password: string): void;
  onBackup(backup: ChosenBackup | undefined): void;
  onError(error: string | undefined): void;
}) {
  const chooseFile = async (file: File | undefined) => {
    props.onError(undefined);
    if (!file) return props.onBackup(undefined);
    if (file.size > MAX_BACKUP_BYTES)
      return props.onError('That file is too large to be an XMTP Inbox backup.');
    props.onBackup({ name: file.name, text: await file.text() });
  };

  return (
    <section class="panel" aria-label="Restore from a backup">
      <Field label="Backup file" hint="A .xmtpbackup file, from Settings → Backup or the CLI">
        <input
          type="file"
          accept=".xmtpbackup,application/json"
          onChange={(e) => void chooseFile(e.currentTarget.files?.[0])}
          required
        />
      </Field>
      <PasswordField
        label="Backup password"
        hint="The file's password; it also becomes this browser's password."
        value={props.password}
        onValue={props.onPassword}
      />
      <p class="muted">Your keys, nodes, contacts, pins, mutes and drafts come back, ready offline.</p>
    </section>
  );
}
