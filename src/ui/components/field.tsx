import type { ComponentChildren, Ref } from 'preact';
import type { ShownError } from '@/ui/error-text';

/**
 * A labelled form control. The label wraps only its text and the control, so the control's accessible name is
 * exactly `label`; the hint follows outside it.
 */
export function Field({
  label,
  hint,
  children,
}: {
  label: string;
  hint?: ComponentChildren;
  children: ComponentChildren;
}) {
  return (
    <div class="field">
      <label class="field">
        <span class="field-label">{label}</span>
        {children}
      </label>
      {hint ? <span class="field-hint">{hint}</span> : null}
    </div>
  );
}

/** A password the person already has (to unlock, confirm or restore): the browser may fill it in. */
export function PasswordField({
  label,
  hint,
  value,
  onValue,
  inputRef,
}: {
  label: string;
  hint?: ComponentChildren;
  value: string;
  onValue(value: string): void;
  inputRef?: Ref<HTMLInputElement>;
}) {
  return (
    <Field label={label} hint={hint}>
      <input
        ref={inputRef}
        type="password"
        autoComplete="current-password"
        value={value}
        onInput={(e) => onValue(e.currentTarget.value)}
        required
      />
    </Field>
  );
}

/** An error on screen: what happened and what to do, with the technical detail behind a toggle. */
export function ErrorNote({ error }: { error?: string | ShownError | undefined }) {
  if (!error) return null;
  const { text, detail } = typeof error === 'string' ? { text: error, detail: undefined } : error;
  return (
    <div class="error" role="alert">
      <p>{text}</p>
      {detail && detail !== text ? (
        <details>
          <summary>Details</summary>
          <code>{detail}</code>
        </details>
      ) : null}
    </div>
  );
}
