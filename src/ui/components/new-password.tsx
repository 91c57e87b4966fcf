import { useEffect, useState } from 'preact/hooks';
import { passwordStrength, type PasswordStrength } from '@/ui/password-strength';
import { Field } from './field';

/**
 * A new vault password and its confirmation (onboarding, wallet linking from a dapp, changing the password), with
 * a strength meter: the vault's key comes from this password, so a guessable one is the weakest point.
 */
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
      <StrengthMeter password={password} />
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

export function StrengthMeter({ password }: { password: string }) {
  const [strength, setStrength] = useState<PasswordStrength>();
  useEffect(() => {
    if (!password) return setStrength(undefined);
    let current = true;
    passwordStrength(password).then(
      (found) => current && setStrength(found),
      () => current && setStrength(undefined),
    );
    return () => {
      current = false;
    };
  }, [password]);
  if (!password || !strength) return null;
  return (
    <div class="strength" data-score={strength.score} aria-live="polite">
      <meter
        min={0}
        max={4}
        low={2}
        high={3}
        optimum={4}
        value={strength.score}
        aria-label="Password strength"
      />
      <span data-testid="strength-label">{strength.label}</span>
      {strength.warning ? <span class="muted"> — {strength.warning}</span> : null}
    </div>
  );
}
