import type { ComponentChildren } from 'preact';

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

export function ErrorNote({ error }: { error?: string }) {
  return error ? (
    <p class="error" role="alert">
      {error}
    </p>
  ) : null;
}
