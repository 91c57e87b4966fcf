/**
 * Every failure the protocol core reports is a ProtocolError with a stable `code` (for
 * programs) and a message that names the bad value (for people), e.g.
 * `new ProtocolError('invalid_public_key', 'invalid public key length: 33')`.
 * At a context boundary it becomes data through `toJSON()`.
 */
export class ProtocolError extends Error {
  override readonly name: string = 'ProtocolError';

  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  toJSON(): { code: string; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** Throws a ProtocolError with `code` unless `condition` holds. */
export function check(condition: unknown, code: string, message: string): asserts condition {
  if (!condition) throw new ProtocolError(code, message);
}

/** An error as data, the shape every layer reports failures in across a boundary (docs/design.md §5.2). */
export interface ErrorData {
  code: string;
  message: string;
}

/** The code of a failure nobody gave a code to (a bug, or an error from a library). */
export const INTERNAL = 'internal';

/**
 * Anything thrown, as ErrorData: an error with a string `code` (ProtocolError and its subclasses in every layer,
 * an ExtensionError, a node's error) keeps it; anything else is INTERNAL with its message. The one conversion the
 * protocol, the client and the extension share.
 */
export function errorData(thrown: unknown): ErrorData {
  if (thrown && typeof thrown === 'object') {
    const { code, message } = thrown as { code?: unknown; message?: unknown };
    const text = typeof message === 'string' ? message : String(thrown);
    if (typeof code === 'string' && code) return { code, message: text };
    if (thrown instanceof Error) return { code: INTERNAL, message: text };
  }
  return { code: INTERNAL, message: String(thrown) };
}
