// Errors of the dapp API carry EIP-1193 / EIP-1474 numeric codes, like wallets' errors, because that is what dapp
// developers already handle (docs/design.md §1.2). Inside the extension, failures are ExtensionErrors with
// string codes; `toRpcError` maps the ones a page may see and hides the rest behind -32603.
import { RPC_ERRORS, type RpcErrorData } from '@/extension/messages/dapp';

export class DappError extends Error {
  override readonly name = 'DappError';

  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export const rejected = (message = 'the user rejected the request') =>
  new DappError(RPC_ERRORS.userRejected, message);
export const unauthorized = (message: string) => new DappError(RPC_ERRORS.unauthorized, message);
export const invalidParams = (message: string) => new DappError(RPC_ERRORS.invalidParams, message);
export const disconnected = (message: string) => new DappError(RPC_ERRORS.disconnected, message);

/** ExtensionError codes a page may learn about, and the RPC code each becomes. */
const EXTENSION_CODES: Record<string, number> = {
  vault_locked: RPC_ERRORS.disconnected,
  no_account: RPC_ERRORS.disconnected,
  client_unavailable: RPC_ERRORS.disconnected,
  invalid_address: RPC_ERRORS.invalidParams,
  self_conversation: RPC_ERRORS.invalidParams,
  wallet_rejected: RPC_ERRORS.userRejected,
  no_wallet: RPC_ERRORS.resourceUnavailable,
  busy: RPC_ERRORS.resourceUnavailable,
  vault_exists: RPC_ERRORS.resourceUnavailable,
  weak_password: RPC_ERRORS.invalidParams,
};

/** What a page receives for anything thrown while answering it. */
export function toRpcError(thrown: unknown): RpcErrorData {
  if (thrown instanceof DappError) return { code: thrown.code, message: thrown.message };
  const { code, message } = (thrown ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : String(thrown);
  if (typeof code === 'string' && code in EXTENSION_CODES) {
    const rpc = EXTENSION_CODES[code]!;
    if (code === 'vault_locked')
      return { code: rpc, message: 'XMTP Inbox is locked: unlock it in the extension' };
    if (code === 'no_account')
      return { code: rpc, message: 'XMTP Inbox has no identity yet: call xmtp_linkWallet or set one up' };
    return { code: rpc, message: text };
  }
  // Anything else is a failure of ours or of the network; its message names no secret (ExtensionError messages
  // never include key material), but its internal code is none of the page's business.
  return { code: RPC_ERRORS.internal, message: text };
}
