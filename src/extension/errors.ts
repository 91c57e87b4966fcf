/**
 * Every failure the extension reports is an ExtensionError with a stable snake_case `code` (for programs)
 * and a message that names the bad value (for people). At a context boundary it becomes data
 * `{ error: { code, message } }` (docs/design.md §5.2).
 */
export class ExtensionError extends Error {
  override readonly name: string = 'ExtensionError';

  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  toJSON(): ErrorData {
    return { code: this.code, message: this.message };
  }
}

/** An error as it crosses a context boundary. */
export interface ErrorData {
  code: string;
  message: string;
}

/**
 * Turns anything thrown into boundary data. Errors of other layers (ProtocolError from the client) carry a
 * `code` too and keep it; anything else becomes `internal`.
 */
export function toErrorData(thrown: unknown): ErrorData {
  if (thrown && typeof thrown === 'object') {
    const { code, message } = thrown as { code?: unknown; message?: unknown };
    const text = typeof message === 'string' ? message : String(thrown);
    if (typeof code === 'string' && code) return { code, message: text };
    if (thrown instanceof Error) return { code: 'internal', message: text };
  }
  return { code: 'internal', message: String(thrown) };
}
