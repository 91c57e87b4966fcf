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
