import { Field } from './field';

/** A new vault password and its confirmation (onboarding, and wallet linking from a dapp). */
export function NewPasswordFields({
  password,
  confirm,
  onPassword,
  onConfirm,
  hint,
  confirmHint,
}: {
  password: string;
  confirm: string;
  onPassword(value: string): void;
  onConfirm(value: string): void;
  hint: string;
  confirmHint?: string;
}) {
  return (
    <>
      <Field label="Password" hint={hint}>
        <input
          type="password"
          autoComplete="new-password"
          minLength={8}
          value={password}
          onInput={(e) => onPassword(e.currentTarget.value)}
          required
        />
      </Field>
      <Field label="Confirm password" hint={confirmHint}>
        <input
          type="password"
          autoComplete="new-password"
          value={confirm}
          onInput={(e) => onConfirm(e.currentTarget.value)}
          required
        />
      </Field>
    </>
  );
}
