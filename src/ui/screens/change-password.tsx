// Settings → Security: change the vault password (the current one first; the new one rated as it is typed).
import { useState } from 'preact/hooks';
import { Field, PasswordField } from '@/ui/components/field';
import { StrengthMeter } from '@/ui/components/new-password';
import { errorText, type ShownError } from '@/ui/format';
import { call } from '@/ui/rpc';

export function ChangePassword({
  onSaved,
  onError,
}: {
  onSaved(text: string): void;
  onError(error: ShownError | undefined): void;
}) {
  const [oldPassword, setOldPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const submit = (event: Event) => {
    event.preventDefault();
    onError(undefined);
    call('vault.changePassword', { oldPassword, newPassword }).then(
      () => {
        setOldPassword('');
        setNewPassword('');
        onSaved('Password changed');
      },
      (e) => onError(errorText(e)),
    );
  };
  return (
    <form onSubmit={submit} class="stack">
      <PasswordField label="Current password" value={oldPassword} onValue={setOldPassword} />
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
  );
}
