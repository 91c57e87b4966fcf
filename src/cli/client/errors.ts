// Failures of `xmtp-inbox client` subcommands that are not usage mistakes.

/** A failure that is not a usage mistake (exit status 1), e.g. no conversation with a peer. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
